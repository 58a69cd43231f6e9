#!/bin/sh
# orphans.sh N: churns N orphans (each a short sleep whose parent exits at
# once, so it is re-parented to PID 1), prints "churned N", then waits.
n=0
while [ "$n" -lt "$1" ]; do
	sh -c 'sleep 0.05 & exit 0'
	n=$((n + 1))
done
echo "churned $n"
exec sleep 1000000
