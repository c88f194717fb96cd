/* The dependency: plays the part of libstdc++.so.6. */
int fix_answer(void) { return 42; }           /* FIXDEP_1.0 */
#ifdef FIXDEP_NEW
int fix_never_called(void) { return -1; }     /* FIXDEP_3.4.32: like std::ios_base_library_init() */
int fix_called(void) { return 7; }            /* FIXDEP_3.4.32: a real use of the new version */
#endif
