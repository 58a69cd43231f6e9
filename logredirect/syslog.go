package logredirect

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/sys/unix"
)

// DefaultSyslogPath is where programs' syslog(3) sends its messages.
const DefaultSyslogPath = "/dev/log"

// maxDatagram is the longest syslog message received whole; longer ones are
// cut (the kernel truncates the datagram). Senders rarely go past 8 KiB.
const maxDatagram = 256 << 10

// SyslogConfig describes a syslog socket to listen on.
type SyslogConfig struct {
	// Path of the unix datagram socket; empty means DefaultSyslogPath.
	Path string
	// Logger receives initd's own messages about the socket. The zero value
	// logs nothing.
	Logger zerolog.Logger
}

// SyslogListener receives syslog messages on a unix datagram socket and
// writes each as one line onto an [Output] (see formatSyslog for the line's
// form). It never waits for the Output: a program calling syslog(3) blocks
// when the socket's queue is full, so when stdout is stuck the lines are
// dropped and counted by the Output instead. It is a [Source].
type SyslogListener struct {
	out  *Output
	path string
	log  zerolog.Logger

	started  atomic.Bool
	stopping atomic.Bool
	stopOnce sync.Once
	done     chan struct{}
	conn     *net.UnixConn
	inode    os.FileInfo // the socket file created, removed again at Stop
}

// NewSyslogListener returns a listener for cfg.Path writing to out. It does
// not touch the file system; Start does.
func NewSyslogListener(out *Output, cfg SyslogConfig) *SyslogListener {
	path := cfg.Path
	if path == "" {
		path = DefaultSyslogPath
	}
	return &SyslogListener{
		out:  out,
		path: path,
		log:  cfg.Logger.With().Str("socket", path).Logger(),
		done: make(chan struct{}),
	}
}

// Start creates the socket (replacing a stale socket file left by a dead
// listener, never a live one or another kind of file), makes it writable
// for every user, so that a program running as another user can log, and
// starts receiving.
func (s *SyslogListener) Start() error {
	if s.started.Swap(true) {
		return fmt.Errorf("syslog %s: started twice", s.path)
	}
	if err := removeStaleSocket(s.path); err != nil {
		close(s.done)
		return err
	}
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: s.path, Net: "unixgram"})
	if err != nil {
		close(s.done)
		return fmt.Errorf("syslog %s: %w", s.path, err)
	}
	s.conn = conn
	if err := os.Chmod(s.path, 0o666); err != nil {
		s.log.Warn().Err(err).Msg("syslog: cannot make the socket writable for all users")
	}
	s.inode, _ = os.Lstat(s.path)
	if err := conn.SetReadBuffer(1 << 20); err != nil {
		s.log.Debug().Err(err).Msg("syslog: cannot enlarge the socket's receive buffer")
	}
	go s.run()
	return nil
}

// removeStaleSocket removes a socket file at path that nobody listens on.
func removeStaleSocket(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("syslog %s: %w", path, err)
	}
	if fi.Mode()&os.ModeSocket == 0 {
		return fmt.Errorf("syslog %s: exists and is not a socket", path)
	}
	if c, err := net.Dial("unixgram", path); err == nil {
		c.Close()
		return fmt.Errorf("syslog %s: another program is listening on it", path)
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("syslog %s: removing the stale socket: %w", path, err)
	}
	return nil
}

// run receives datagrams until Stop, then drains what is queued.
func (s *SyslogListener) run() {
	defer close(s.done)
	buf := make([]byte, maxDatagram)
	var line []byte
	for {
		n, err := s.conn.Read(buf)
		if err != nil {
			if !s.stopping.Load() {
				s.log.Warn().Err(err).Msg("syslog: receiving failed; no more messages are copied")
			}
			break
		}
		if n == 0 {
			continue // an empty datagram is no message
		}
		line = formatSyslog(line[:0], buf[:n])
		s.out.WriteLine("", line)
	}
	s.drainQueued(buf, line)
	s.conn.Close()
	if fi, err := os.Lstat(s.path); err == nil && s.inode != nil && os.SameFile(fi, s.inode) {
		_ = os.Remove(s.path)
	}
}

// drainQueued copies the datagrams that were already queued on the socket
// when Stop was called, without waiting for new ones.
func (s *SyslogListener) drainQueued(buf, line []byte) {
	rc, err := s.conn.SyscallConn()
	if err != nil {
		return
	}
	for {
		var n int
		var rerr error
		err := rc.Control(func(fd uintptr) {
			n, _, rerr = unix.Recvfrom(int(fd), buf, unix.MSG_DONTWAIT)
		})
		if err != nil || rerr != nil {
			return
		}
		if n == 0 {
			continue
		}
		line = formatSyslog(line[:0], buf[:n])
		s.out.WriteLine("", line)
	}
}

// Stop copies the messages already received, closes the socket and removes
// its file, within ctx.
func (s *SyslogListener) Stop(ctx context.Context) error {
	if !s.started.Load() {
		return nil
	}
	s.stopOnce.Do(func() {
		s.stopping.Store(true)
		if s.conn != nil {
			_ = s.conn.SetReadDeadline(time.Now()) // wakes run
		}
	})
	select {
	case <-s.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("syslog %s: stop: %w", s.path, ctx.Err())
	}
}
