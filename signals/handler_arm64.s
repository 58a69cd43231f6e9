#include "textflag.h"

// ADDW_AT_R4 adds d to the int32 at (R4), atomically, with acquire and
// release ordering (a load-acquire after it is ordered after it). It uses
// R5 and R6.
#define ADDW_AT_R4(d) \
	LDAXRW	(R4), R5; \
	ADDW	d, R5; \
	STLXRW	R5, (R4), R6; \
	CBNZ	R6, -3(PC)

// Offsets in handlerState and handlerAction (handler_linux.go).
#define SELF 0
#define TARGET 4
#define INFLIGHT 8
#define ACT 16
#define CHAIN 0
#define SEND 8
#define FD 12

#define SYS_write 64
#define SYS_kill 129
#define SYS_rt_sigreturn 139
#define SYS_getpid 172
#define ESRCH 3

// handler is called by the kernel with the C calling convention: R0 =
// signal number, R1 = *siginfo, R2 = *ucontext, LR = the restorer. It runs
// on the thread's signal stack with every signal blocked, and may use any
// register but LR: the kernel restores them all. What it does is written
// out in handler_amd64.s.
TEXT ·handler(SB),NOSPLIT|NOFRAME,$0
	CMP	$64, R0
	BHI	done
	LSL	$4, R0, R9
	MOVD	$·state+ACT(SB), R8
	ADD	R8, R9, R9		// R9 = act
	MOVW	8(R1), R3		// si_code, sign-extended
	CMP	$0, R3
	BLE	sent
	MOVD	CHAIN(R9), R3
	CBZ	R3, sent
	JMP	(R3)			// R0, R1, R2 and LR as the kernel left them

sent:
	MOVD	R0, R10			// R10 = sig
	MOVD	R1, R12			// R12 = info
	MOVD	$SYS_getpid, R8
	SVC
	MOVW	·state+SELF(SB), R3
	CMPW	R3, R0
	BNE	done
	MOVD	$0, R13			// R13 = self
	MOVD	$0, R11			// R11 = sent
	MOVW	8(R12), R4
	CMPW	$0, R4			// SI_USER
	BEQ	frompid
	CMNW	$6, R4			// SI_TKILL
	BNE	forward
frompid:
	MOVW	16(R12), R4		// si_pid
	CMPW	R0, R4
	BNE	forward
	MOVD	$1, R13
	B	report

forward:
	MOVD	$·state+INFLIGHT(SB), R4
	ADDW_AT_R4($1)
	MOVWU	SEND(R9), R1
	CBZW	R1, leave
	MOVD	$·state+TARGET(SB), R5
	LDARW	(R5), R0		// ordered after the increment
	CBZW	R0, leave
	MOVW	R0, R0			// sign-extend the target
	MOVD	R0, R7
	MOVD	R1, R11
	MOVD	$SYS_kill, R8
	SVC
	CMN	$ESRCH, R0
	BNE	leave
	CMP	$0, R7
	BGE	leave
	NEG	R7, R0			// the group is empty: COMMAND left it
	MOVD	R11, R1
	MOVD	$SYS_kill, R8
	SVC
leave:
	MOVD	$·state+INFLIGHT(SB), R4
	ADDW_AT_R4($-1)

report:
	MOVW	FD(R9), R0
	CMPW	$0, R0
	BLT	done
	SUB	$16, RSP
	MOVB	R10, 0(RSP)
	MOVB	R11, 1(RSP)
	MOVB	R13, 2(RSP)
	MOVB	ZR, 3(RSP)
	MOVD	RSP, R1
	MOVD	$4, R2
	MOVD	$SYS_write, R8
	SVC
	ADD	$16, RSP
done:
	RET

// restorer returns from the handler to the interrupted code.
TEXT ·restorer(SB),NOSPLIT|NOFRAME,$0
	MOVD	$SYS_rt_sigreturn, R8
	SVC
	BRK

// func handlerPC() uintptr
TEXT ·handlerPC(SB),NOSPLIT,$0-8
	MOVD	$·handler(SB), R0
	MOVD	R0, ret+0(FP)
	RET

// func restorerPC() uintptr
TEXT ·restorerPC(SB),NOSPLIT,$0-8
	MOVD	$·restorer(SB), R0
	MOVD	R0, ret+0(FP)
	RET
