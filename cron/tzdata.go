//go:build !initd_notzdata

package cron

// Zone names must work in every image: alpine and scratch images have no
// /usr/share/zoneinfo, and there CRON_TZ=Europe/Paris would be rejected as an
// unknown zone. The embedded copy is used only when the system has none. It
// adds about 400 KB to the binary; build with -tags initd_notzdata to leave
// it out and rely on the image's zoneinfo.
import _ "time/tzdata"
