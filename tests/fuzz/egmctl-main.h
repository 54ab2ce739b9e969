/* SPDX-License-Identifier: GPL-2.0-only */
/* egmctl's main(), compiled under this name for the fuzzer (-Dmain=egmctl_main). */
#ifndef EGMCTL_MAIN_H
#define EGMCTL_MAIN_H

int egmctl_main(int argc, char **argv);

#endif
