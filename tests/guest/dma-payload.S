/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A tiny multiboot guest that makes a PCI device write into its RAM: it
 * finds QEMU's edu device (1234:11e8) on a microvm's PCIe bus (ECAM at
 * 0xe0000000), gives it BAR0 at 0xc0000000 and bus mastering, writes a
 * pattern into RAM at 3 MiB, and has edu's DMA engine copy it into edu's
 * buffer and from there to RAM at 2 MiB. Only the device writes 2 MiB:
 *
 *   word i (0..511) at guest-physical 0x200000 + 4*i = 0x45474d00 + i
 *
 * Then it reports on the serial port: "!" when done, "?" when there is no
 * edu device.
 */
#define ECAM		0xe0000000
#define BAR0		0xc0000000
#define EDU_ID		0x11e81234
#define EDU_BUFFER	0x40000
#define SRC		0x300000
#define DST		0x200000

	.section .text
	.code32
	.align 4
multiboot_header:
	.long 0x1badb002
	.long 0
	.long -0x1badb002

	.globl _start
_start:
	cld
	/* The source pattern, written by the CPU. */
	mov $SRC, %edi
	xor %ecx, %ecx
1:	lea 0x45474d00(%ecx), %eax
	stosl
	inc %ecx
	cmp $1024, %ecx
	jne 1b

	/* Find edu on bus 0: device N's config space is at ECAM + N << 15. */
	mov $ECAM, %esi
	mov $32, %ecx
2:	cmpl $EDU_ID, (%esi)
	je 3f
	add $0x8000, %esi
	loop 2b
	mov $'?', %al
	jmp report

3:	movl $BAR0, 0x10(%esi)		/* BAR0 */
	movl $0x6, 0x04(%esi)		/* memory space, bus master */

	/* RAM -> edu buffer -> RAM, 2 KiB (QEMU 7.2 refuses a DMA of edu's whole 4 KiB buffer). */
	mov $BAR0, %ebx
	movl $SRC, 0x80(%ebx)
	movl $EDU_BUFFER, 0x88(%ebx)
	movl $2048, 0x90(%ebx)
	movl $1, 0x98(%ebx)		/* start, RAM to edu */
4:	testl $1, 0x98(%ebx)
	jnz 4b
	movl $EDU_BUFFER, 0x80(%ebx)
	movl $DST, 0x88(%ebx)
	movl $2048, 0x90(%ebx)
	movl $3, 0x98(%ebx)		/* start, edu to RAM */
5:	testl $1, 0x98(%ebx)
	jnz 5b
	mov $'!', %al

report:
	mov $0x3f8, %dx
	outb %al, %dx
6:	hlt
	jmp 6b
