//go:build initd_tzdata

package cron

// Zone names must work in every image: alpine and scratch images have no
// /usr/share/zoneinfo, and there CRON_TZ=Europe/Paris is rejected as an
// unknown zone (a usage error, exit 2, naming the zone). Building with
// -tags initd_tzdata embeds Go's zone database (about 450 KB), used only when
// the system has none. It is left out by default to keep the binary small
// (7.5 MB, within its 8 MiB budget); images that need zones can also copy
// /usr/share/zoneinfo in.
import _ "time/tzdata"
