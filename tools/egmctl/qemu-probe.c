// SPDX-License-Identifier: GPL-2.0-only
/*
 * What a QEMU binary can do, asked of the binary itself: its version, and
 * the objects it can create. The binary is run directly, never through a
 * shell: its name is the user's text.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "egmctl.h"

/*
 * Runs @binary with @args (NULL-terminated, without the binary) and hands
 * each line of its standard output to @line. Returns 0 if it ran, -1 if it
 * could not be started.
 */
static int run_qemu(const char *binary, const char *const args[],
		    void (*line)(const char *text, void *arg), void *arg)
{
	char *argv[8] = { (char *)binary };
	int pipefd[2], devnull, status;
	char text[512];
	pid_t pid;
	FILE *out;

	for (unsigned int i = 0; args[i] && i + 2 < ARRAY_SIZE(argv); i++)
		argv[i + 1] = (char *)args[i];
	if (pipe2(pipefd, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid == 0) {
		/* dup2() clears close-on-exec on the copies; the originals go. */
		devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
		dup2(pipefd[1], STDOUT_FILENO);
		if (devnull >= 0) {
			dup2(devnull, STDERR_FILENO);
			dup2(devnull, STDIN_FILENO);
		}
		execvp(binary, argv);
		_exit(127);
	}
	close(pipefd[1]);
	if (pid < 0) {
		close(pipefd[0]);
		return -1;
	}
	out = fdopen(pipefd[0], "r");
	while (out && fgets(text, sizeof(text), out))
		line(text, arg);
	if (out)
		fclose(out);
	else
		close(pipefd[0]);
	while (waitpid(pid, &status, 0) != pid)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 127 ? -1 : 0;
}

static void version_line(const char *text, void *arg)
{
	int *version = arg, major, minor;

	if (*version < 0 &&
	    sscanf(text, "QEMU emulator version %d.%d", &major, &minor) == 2)
		*version = major * 1000 + minor;
}

/* "QEMU emulator version 7.2.22" -> 7002; -1 if it cannot be told. */
int egmctl_qemu_version(const char *binary)
{
	static const char *const args[] = { "--version", NULL };
	int version = -1;

	if (run_qemu(binary, args, version_line, &version))
		return -1;
	return version;
}

static void object_line(const char *text, void *arg)
{
	struct egmctl_qemu_objects *objects = arg;
	char name[64];

	if (!strncmp(text, "List of user creatable objects", 30))
		objects->listed = true;
	if (sscanf(text, " %63s", name) != 1)
		return;
	objects->generic_initiator |= !strcmp(name, "acpi-generic-initiator");
	objects->egm_memory |= !strcmp(name, "acpi-egm-memory");
}

/* The objects of "-object help" that a VM on EGM can use. */
int egmctl_qemu_objects(const char *binary, struct egmctl_qemu_objects *objects)
{
	static const char *const args[] = { "-object", "help", NULL };

	*objects = (struct egmctl_qemu_objects){ 0 };
	if (run_qemu(binary, args, object_line, objects) || !objects->listed)
		return -1;
	return 0;
}
