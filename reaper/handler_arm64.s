#include "textflag.h"

// ADDW_AT_R4 adds d to the int32 at (R4), atomically, with acquire and
// release ordering (a load-acquire after it is ordered after it). It uses
// R5 and R6.
#define ADDW_AT_R4(d) \
	LDAXRW	(R4), R5; \
	ADDW	d, R5; \
	STLXRW	R5, (R4), R6; \
	CBNZ	R6, -3(PC)

// Offsets in chldState (handler.go).
#define FD 0
#define GATE 4
#define INFLIGHT 8
#define ORPHANS 16
#define NPIDS 24
#define PIDS 32

#define SYS_write 64
#define SYS_wait4 260
#define SYS_waitid 95
// WEXITED|WNOHANG|WNOWAIT|__WALL and WNOHANG|__WALL
#define PEEK 0x41000005
#define TAKE 0x40000001
#define MAXREAP 100000

// onSIGCHLD is called by the kernel with the C calling convention (R0 =
// signal number, R1 = *siginfo, R2 = *ucontext, LR = the restorer), on the
// thread's signal stack, with every signal blocked. It may use any
// register but LR: the kernel restores them all. What it does is written
// out in handler_amd64.s.
TEXT ·onSIGCHLD(SB),NOSPLIT|NOFRAME,$0
	MOVWU	16(R1), R12		// the signal's si_pid
	SUB	$144, RSP		// a siginfo_t for waitid at 0(RSP)
	MOVD	$·chld+INFLIGHT(SB), R4
	ADDW_AT_R4($1)
	MOVD	$·chld+GATE(SB), R4
	LDARW	(R4), R5		// ordered after the increment
	CBNZW	R5, wake
	MOVD	$MAXREAP, R13
	CBNZW	R12, check
loop:
	SUBS	$1, R13, R13
	BEQ	wake
	MOVW	ZR, 16(RSP)		// si_pid
	MOVD	$0, R0			// P_ALL
	MOVD	$0, R1
	MOVD	RSP, R2
	MOVD	$PEEK, R3
	MOVD	$0, R4
	MOVD	$SYS_waitid, R8
	SVC
	CBNZ	R0, wake
	MOVWU	16(RSP), R12		// si_pid
	CBZW	R12, out
check:
	MOVD	$·chld+NPIDS(SB), R4
	LDARW	(R4), R5
	TBNZ	$31, R5, wake		// negative: too many to list
	MOVD	$·chld+PIDS(SB), R9
scan:
	CBZW	R5, reap
	SUBW	$1, R5
	MOVWU	(R9)(R5<<2), R6
	CMPW	R6, R12
	BEQ	wake
	B	scan
reap:
	MOVD	R12, R0
	MOVD	$0, R1
	MOVD	$TAKE, R2
	MOVD	$0, R3
	MOVD	$SYS_wait4, R8
	SVC
	CMP	R0, R12
	BNE	loop
	MOVD	$·chld+ORPHANS(SB), R4
incq:
	LDAXR	(R4), R5
	ADD	$1, R5
	STLXR	R5, (R4), R6
	CBNZ	R6, incq
	B	loop

wake:
	MOVW	·chld+FD(SB), R0
	CMPW	$0, R0
	BLT	out
	MOVD	$1, R5
	MOVB	R5, 0(RSP)
	MOVD	RSP, R1
	MOVD	$1, R2
	MOVD	$SYS_write, R8
	SVC
out:
	MOVD	$·chld+INFLIGHT(SB), R4
	ADDW_AT_R4($-1)
	ADD	$144, RSP
	RET

// func onSIGCHLDPC() uintptr
TEXT ·onSIGCHLDPC(SB),NOSPLIT,$0-8
	MOVD	$·onSIGCHLD(SB), R0
	MOVD	R0, ret+0(FP)
	RET
