/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A tiny multiboot guest for the VM started inside the simulated host: it
 * writes a known pattern into its RAM at 2 MiB, reports through the debug
 * port that it did, and halts. The test finds the pattern in EGM.
 *
 *   word i (0..1023) at guest-physical 0x200000 + 4*i = 0x45474d00 + i
 */
	.section .text
	.code32
	.align 4
multiboot_header:
	.long 0x1badb002		/* magic */
	.long 0				/* flags: nothing required */
	.long -0x1badb002		/* checksum */

	.globl _start
_start:
	cld
	mov $0x200000, %edi
	xor %ecx, %ecx
1:	lea 0x45474d00(%ecx), %eax
	stosl
	inc %ecx
	cmp $1024, %ecx
	jne 1b
	/* Tell the host-side test the pattern is in place (serial port). */
	mov $0x3f8, %dx
	mov $'!', %al
	outb %al, %dx
2:	hlt
	jmp 2b
