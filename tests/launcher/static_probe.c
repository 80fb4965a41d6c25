/* tests/launcher/static_probe.c — linked with -static: a real binary without PT_INTERP. */
int main(void) { return 0; }
