package cron

// Zone names must work in every image: alpine and scratch images have no
// /usr/share/zoneinfo, and there CRON_TZ=Europe/Paris would be rejected as an
// unknown zone. The embedded copy (about 450 KB) is used only when the
// system has none.
import _ "time/tzdata"
