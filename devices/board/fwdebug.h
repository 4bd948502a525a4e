/* The debug ports a foreign firmware talks to (-bios): 0x400-0x403, where
 * SeaBIOS writes its log (0x402) and the Bochs BIOS its panics and messages. */
#ifndef REX86_FWDEBUG_H
#define REX86_FWDEBUG_H

struct machine;

/* spec: a chardev spec ("stdio", "file:PATH"; NULL or "none" = nowhere).
 * Text also goes to machine_text(m, "bioslog", ...). Returns 0 or -1. */
int fwdebug_init(struct machine *m, const char *spec);

#endif
