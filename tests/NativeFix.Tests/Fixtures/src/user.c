/* Needs FIXDEP_3.4.32 only through fix_never_called, which nothing calls. */
int fix_answer(void);
int fix_never_called(void);
int user_answer(void) { return fix_answer(); }
int user_unused(void) { return fix_never_called(); }
