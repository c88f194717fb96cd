/* Needs FIXDEP_3.4.32 through fix_called too, which is not on any allow-list. */
int fix_answer(void);
int fix_never_called(void);
int fix_called(void);
int user2_answer(void) { return fix_answer() + fix_called(); }
int user2_unused(void) { return fix_never_called(); }
