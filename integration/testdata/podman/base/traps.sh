#!/bin/sh
# traps.sh [exit:SIG|ignore:SIG]...: prints "got SIG" for each of HUP INT
# QUIT USR1 USR2 TERM it receives and keeps running, except: exit:SIG exits
# 0 after printing, ignore:SIG ignores SIG (inherited by its children, so
# the whole tree ignores it). Prints "ready" once the traps are set.
for s in HUP INT QUIT USR1 USR2 TERM; do
	action="echo got $s"
	case " $* " in
	*" exit:$s "*) action="$action; exit 0" ;;
	*" ignore:$s "*) action="" ;;
	esac
	trap "$action" "$s"
done
echo ready
while :; do
	sleep 1 &
	wait $!
done
