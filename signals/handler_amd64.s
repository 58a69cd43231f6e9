#include "textflag.h"

// Offsets in handlerState and handlerAction (handler_linux.go).
#define SELF 0
#define TARGET 4
#define INFLIGHT 8
#define ACT 16
#define CHAIN 0
#define SEND 8
#define FD 12

#define SYS_write 1
#define SYS_rt_sigreturn 15
#define SYS_getpid 39
#define SYS_kill 62
#define ESRCH 3

// handler is called by the kernel with the C calling convention:
// DI = signal number, SI = *siginfo, DX = *ucontext, the return address
// being the restorer. It runs on the thread's signal stack with every
// signal blocked, and may use any register: the kernel restores them all.
//
//	act := &state.act[sig]
//	if info.si_code > 0 && act.chain != 0 { goto act.chain }   // a fault: the runtime's
//	if getpid() != state.self { return }                        // a child before exec
//	self := (si_code == SI_USER || si_code == SI_TKILL) && si_pid == state.self
//	sent := 0
//	if !self {
//		inflight++
//		if act.send != 0 && state.target != 0 {
//			sent = act.send
//			if kill(target, sent) == -ESRCH && target < 0 { kill(-target, sent) }
//		}
//		inflight--
//	}
//	if act.fd >= 0 { write(act.fd, [sig, sent, self, 0], 4) }
TEXT ·handler(SB),NOSPLIT|NOFRAME,$0
	CMPQ	DI, $64
	JHI	done
	MOVQ	DI, R9
	SHLQ	$4, R9
	LEAQ	·state+ACT(SB), R8
	ADDQ	R8, R9			// R9 = act
	MOVL	8(SI), AX		// si_code
	CMPL	AX, $0
	JLE	sent
	MOVQ	CHAIN(R9), AX
	TESTQ	AX, AX
	JZ	sent
	JMP	AX			// DI, SI, DX and the return address as the kernel left them

sent:
	MOVQ	DI, R10			// R10 = sig
	MOVQ	SI, R12			// R12 = info
	MOVL	$SYS_getpid, AX
	SYSCALL
	CMPL	AX, ·state+SELF(SB)
	JNE	done
	XORL	R13, R13		// R13 = self
	XORL	R8, R8			// R8 = sent
	MOVL	8(R12), BX
	CMPL	BX, $0			// SI_USER
	JEQ	frompid
	CMPL	BX, $-6			// SI_TKILL
	JNE	forward
frompid:
	CMPL	16(R12), AX		// si_pid
	JNE	forward
	MOVL	$1, R13
	JMP	report

forward:
	MOVL	$1, BX
	LOCK
	XADDL	BX, ·state+INFLIGHT(SB)	// a full barrier: target is read after
	MOVL	SEND(R9), SI
	TESTL	SI, SI
	JZ	leave
	MOVL	·state+TARGET(SB), DI
	TESTL	DI, DI
	JZ	leave
	MOVL	SI, R8
	MOVLQSX	DI, DI
	MOVL	$SYS_kill, AX
	SYSCALL
	CMPQ	AX, $-ESRCH
	JNE	leave
	TESTQ	DI, DI
	JGE	leave
	NEGQ	DI			// the group is empty: COMMAND left it
	MOVL	R8, SI
	MOVL	$SYS_kill, AX
	SYSCALL
leave:
	MOVL	$-1, BX
	LOCK
	XADDL	BX, ·state+INFLIGHT(SB)

report:
	MOVL	FD(R9), DI
	TESTL	DI, DI
	JL	done
	SUBQ	$16, SP
	MOVB	R10, 0(SP)
	MOVB	R8, 1(SP)
	MOVB	R13, 2(SP)
	MOVB	$0, 3(SP)
	MOVQ	SP, SI
	MOVL	$4, DX
	MOVL	$SYS_write, AX
	SYSCALL
	ADDQ	$16, SP
done:
	RET

// restorer returns from the handler to the interrupted code.
TEXT ·restorer(SB),NOSPLIT|NOFRAME,$0
	MOVQ	$SYS_rt_sigreturn, AX
	SYSCALL
	INT	$3

// func handlerPC() uintptr
TEXT ·handlerPC(SB),NOSPLIT,$0-8
	LEAQ	·handler(SB), AX
	MOVQ	AX, ret+0(FP)
	RET

// func restorerPC() uintptr
TEXT ·restorerPC(SB),NOSPLIT,$0-8
	LEAQ	·restorer(SB), AX
	MOVQ	AX, ret+0(FP)
	RET
