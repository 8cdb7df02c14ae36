/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The last step of a restore in place (restore_jump.c).  Loaded by kexec
 * into pages that neither the image nor the parked pages use, and entered
 * by the hibernate kernel's relocate_kernel: 64-bit mode, interrupts off,
 * paging on with tables that map the segment one to one.  It switches to
 * its own tables (all RAM one to one, plus the restored kernel's text page
 * at its virtual address; with a fifth level if the CPU is in 5-level
 * paging, which it cannot leave here), moves the parked pages home over the hibernate
 * kernel's own memory, and jumps to restore_registers() of the restored
 * kernel with that kernel's page tables in %r9, as the kernel's own
 * restore code does (arch/x86/power/hibernate_asm_64.S).  No stack is
 * used: the hibernate kernel's is among the pages overwritten.
 *
 * This is data for the writer, copied into the segment; it never runs in
 * the writer's process.  Every reference is relative to %rip, so it runs
 * wherever it is loaded.
 */
	.section .rodata, "a"
	.code64
	.balign	16
	.globl	khib_stub_start, khib_stub_params, khib_stub_end

khib_stub_start:
	cli
	cld
	movq	stub_pml4(%rip), %rax
	movq	%cr4, %rcx
	btq	$12, %rcx		/* X86_CR4_LA57: in 5-level paging */
	jnc	0f
	movq	stub_pml5(%rip), %rax
0:	movq	%rax, %cr3

	/*
	 * Moves: { dst_pfn, src_pfn, nr_pages }, ended by nr_pages == 0;
	 * nr_pages == ~0 continues the list at page src_pfn.
	 */
	movq	stub_moves(%rip), %rbx
1:	movq	16(%rbx), %rcx
	testq	%rcx, %rcx
	jz	2f
	cmpq	$-1, %rcx
	jne	3f
	movq	8(%rbx), %rbx
	shlq	$12, %rbx
	jmp	1b
3:	movq	0(%rbx), %rdi
	movq	8(%rbx), %rsi
	shlq	$12, %rdi
	shlq	$12, %rsi
	shlq	$9, %rcx		/* 512 quadwords a page */
	rep movsq
	addq	$24, %rbx
	jmp	1b

	/*
	 * The restored kernel's text was among the pages moved, written
	 * through other addresses than it runs at: serialize, as
	 * relocate_kernel does after copying.
	 */
2:	movq	%cr3, %rax
	movq	%rax, %cr3
	movq	stub_cr3(%rip), %r9
	movq	stub_jump(%rip), %r8
	jmpq	*%r8

	.balign	8
khib_stub_params:
stub_pml4:	.quad	0	/* physical address of the PML4 */
stub_moves:	.quad	0	/* physical address of the moves */
stub_cr3:	.quad	0	/* the restored kernel's page tables */
stub_jump:	.quad	0	/* virtual address of restore_registers() */
stub_pml5:	.quad	0	/* the same, under a 5-level top (LA57) */
khib_stub_end:

	.section .note.GNU-stack, "", @progbits
