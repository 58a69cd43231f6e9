#include "textflag.h"

// Offsets in chldState (handler.go).
#define FD 0
#define GATE 4
#define INFLIGHT 8
#define ORPHANS 16
#define NPIDS 24
#define PIDS 32

#define SYS_write 1
#define SYS_wait4 61
#define SYS_waitid 247
// WEXITED|WNOHANG|WNOWAIT|__WALL and WNOHANG|__WALL
#define PEEK 0x41000005
#define TAKE 0x40000001
// A bound on one handler's work, so that it can never spin.
#define MAXREAP 100000

// onSIGCHLD is called by the kernel with the C calling convention (DI =
// signal number, SI = *siginfo, DX = *ucontext), on the thread's signal
// stack, with every signal blocked. It may use any register: the kernel
// restores them all.
//
//	inflight++
//	if chld.gate == 0 {
//		pid := info.si_pid                       // the child the signal is about
//		for n := 0; n < MAXREAP; n++ {
//			if pid == 0 {
//				pid, err = waitid(P_ALL, WEXITED|WNOHANG|WNOWAIT)  // look, don't reap
//				if err != nil { goto wake }      // ECHILD: Run notes it
//				if pid == 0 { goto out }         // nothing more has exited
//			}
//			if chld.npids < 0 || pid in chld.pids { goto wake }  // Run's to reap
//			if wait4(pid, WNOHANG) == pid { chld.orphans++ }
//			pid = 0
//		}
//	}
//
// Trying si_pid first saves a look per orphan. It is safe for the same
// reason the look is: a listed pid is never reaped here, and no process
// can be started (and listed) while a handler is past the gate. A si_pid
// that is not an exited child (a SIGCHLD sent with kill, a child Run
// reaped meanwhile) makes wait4 return 0 or ECHILD, and the loop goes on
// looking.
//	wake: write(chld.fd, "\x01", 1)
//	out: inflight--
TEXT ·onSIGCHLD(SB),NOSPLIT|NOFRAME,$0
	MOVL	16(SI), R12		// the signal's si_pid
	SUBQ	$144, SP		// a siginfo_t for waitid at 0(SP)
	MOVL	$1, BX
	LOCK
	XADDL	BX, ·chld+INFLIGHT(SB)	// a full barrier: the gate is read after
	MOVL	·chld+GATE(SB), BX
	TESTL	BX, BX
	JNZ	wake
	MOVL	$MAXREAP, R13
	TESTL	R12, R12
	JNZ	check
loop:
	DECL	R13
	JZ	wake
	MOVL	$0, 16(SP)		// si_pid
	XORL	DI, DI			// P_ALL
	XORL	SI, SI
	MOVQ	SP, DX
	MOVL	$PEEK, R10
	XORL	R8, R8
	MOVL	$SYS_waitid, AX
	SYSCALL
	TESTQ	AX, AX
	JNZ	wake
	MOVL	16(SP), R12		// si_pid
	TESTL	R12, R12
	JZ	out
check:
	MOVL	·chld+NPIDS(SB), BX
	TESTL	BX, BX
	JL	wake
	LEAQ	·chld+PIDS(SB), R9
scan:
	TESTL	BX, BX
	JZ	reap
	DECL	BX
	CMPL	(R9)(BX*4), R12
	JEQ	wake
	JMP	scan
reap:
	MOVL	R12, DI
	XORL	SI, SI
	MOVL	$TAKE, DX
	XORL	R10, R10
	MOVL	$SYS_wait4, AX
	SYSCALL
	CMPQ	AX, R12
	JNE	loop
	LOCK
	INCQ	·chld+ORPHANS(SB)
	JMP	loop

wake:
	MOVL	·chld+FD(SB), DI
	TESTL	DI, DI
	JL	out
	MOVB	$1, 0(SP)
	MOVQ	SP, SI
	MOVL	$1, DX
	MOVL	$SYS_write, AX
	SYSCALL
out:
	MOVL	$-1, BX
	LOCK
	XADDL	BX, ·chld+INFLIGHT(SB)
	ADDQ	$144, SP
	RET

// func onSIGCHLDPC() uintptr
TEXT ·onSIGCHLDPC(SB),NOSPLIT,$0-8
	LEAQ	·onSIGCHLD(SB), AX
	MOVQ	AX, ret+0(FP)
	RET
