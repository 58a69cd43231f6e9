// Command logbench is the helper of integration/bench/logs.sh: it writes
// numbered log lines (with an optional rotation in the middle), waits for
// the last one to come out of a follower, counts what came out, and can
// stand in for initd as a follower built directly on package logredirect.
//
// It is a benchmark tool, not part of initd, and measures nothing by
// itself beyond wall-clock waits; CPU time is read by the script.
//
//	logbench write   -path P -lines N -size B [-rotate none|rename|renames|truncate] [-every K] [-rate R]
//	logbench waitfor -file OUT -line N [-timeout D]   prints milliseconds
//	logbench count   -file OUT -lines N               prints "lost dup reordered"
//	logbench follow  -path P                          until SIGTERM
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/initd-dev/initd/logredirect"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: logbench write|waitfor|count|follow [flags]")
		os.Exit(2)
	}
	var err error
	switch cmd, args := os.Args[1], os.Args[2:]; cmd {
	case "write":
		err = write(args)
	case "waitfor":
		err = waitFor(args)
	case "count":
		err = count(args)
	case "follow":
		err = follow(args)
	default:
		err = fmt.Errorf("unknown command %q", cmd)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "logbench:", err)
		os.Exit(1)
	}
}

// line returns numbered line i of about size bytes, with its newline.
func line(i, size int) []byte {
	b := fmt.Appendf(nil, "L%08d ", i)
	for len(b) < size-1 {
		b = append(b, byte('a'+len(b)%26))
	}
	return append(b, '\n')
}

func write(args []string) error {
	fs := flag.NewFlagSet("write", flag.ContinueOnError)
	path := fs.String("path", "", "file to append to")
	n := fs.Int("lines", 100000, "number of lines")
	size := fs.Int("size", 90, "bytes per line, newline included")
	rotate := fs.String("rotate", "none", "none, rename (to PATH.1, then create PATH) in the middle, "+
		"or every -every lines: renames (the same), truncate (copy-truncate's truncation, no pause)")
	every := fs.Int("every", 0, "lines between rotations for -rotate renames and truncate")
	rate := fs.Int("rate", 0, "lines per second, paced by a busy wait (a sleep that short oversleeps); 0: as fast as possible")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if (*rotate == "renames" || *rotate == "truncate") && *every <= 0 {
		return fmt.Errorf("-rotate %s needs -every N", *rotate)
	}
	f, err := os.OpenFile(*path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	start := time.Now()
	for i := range *n {
		if *rate > 0 {
			due := start.Add(time.Duration(i) * time.Second / time.Duration(*rate))
			for time.Now().Before(due) {
			}
		}
		switch {
		case i == *n/2 && *rotate == "rename", i > 0 && *rotate == "renames" && i%*every == 0:
			if err := os.Rename(*path, *path+".1"); err != nil {
				return err
			}
			f.Close()
			if f, err = os.OpenFile(*path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644); err != nil {
				return err
			}
		case i > 0 && *rotate == "truncate" && i%*every == 0:
			if err := f.Truncate(0); err != nil { // O_APPEND: the next line goes to offset 0
				return err
			}
		}
		if _, err := f.Write(line(i, *size)); err != nil { // one write(2) per line, like a line-buffered logger
			return err
		}
	}
	return f.Close()
}

func waitFor(args []string) error {
	fs := flag.NewFlagSet("waitfor", flag.ContinueOnError)
	file := fs.String("file", "", "output file to watch")
	n := fs.Int("line", 0, "number of the line to wait for")
	timeout := fs.Duration("timeout", 30*time.Second, "give up after")
	if err := fs.Parse(args); err != nil {
		return err
	}
	want := fmt.Appendf(nil, "L%08d ", *n)
	start := time.Now()
	tail := make([]byte, 8192)
	for time.Since(start) < *timeout {
		if f, err := os.Open(*file); err == nil {
			fi, _ := f.Stat()
			k, _ := f.ReadAt(tail, max(0, fi.Size()-int64(len(tail))))
			f.Close()
			if bytes.Contains(tail[:k], want) {
				fmt.Println(time.Since(start).Milliseconds())
				return nil
			}
		}
		time.Sleep(time.Millisecond)
	}
	fmt.Println("timeout")
	return nil
}

func count(args []string) error {
	fs := flag.NewFlagSet("count", flag.ContinueOnError)
	file := fs.String("file", "", "output file")
	n := fs.Int("lines", 100000, "lines written")
	if err := fs.Parse(args); err != nil {
		return err
	}
	f, err := os.Open(*file)
	if err != nil {
		return err
	}
	defer f.Close()
	seen := make([]int, *n)
	last, reordered := -1, 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 4<<20)
	for sc.Scan() {
		t := sc.Bytes()
		i := bytes.Index(t, []byte("L"))
		if i < 0 || len(t) < i+9 {
			continue
		}
		k, err := strconv.Atoi(string(t[i+1 : i+9]))
		if err != nil || k < 0 || k >= *n {
			continue
		}
		seen[k]++
		if k < last {
			reordered++
		}
		last = k
	}
	lost, dup := 0, 0
	for _, c := range seen {
		if c == 0 {
			lost++
		} else if c > 1 {
			dup += c - 1
		}
	}
	fmt.Println(lost, dup, reordered)
	return sc.Err()
}

// follow is initd's tail path without the rest of initd.
func follow(args []string) error {
	fs := flag.NewFlagSet("follow", flag.ContinueOnError)
	path := fs.String("path", "", "file to follow")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	out := logredirect.NewOutput(os.Stdout)
	var g logredirect.Group
	if err := g.Start(logredirect.NewFollower(out, logredirect.FollowerConfig{Path: *path})); err != nil {
		return err
	}
	<-ctx.Done()
	drain, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return errors.Join(g.Stop(drain), out.Close(drain))
}
