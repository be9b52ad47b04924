/* main() for plain test executables (check.h). Kept apart from the utilities so that Criterion
 * suites can use ftc_check_dies() and friends with Criterion's own main. */
int ftc_check_run_all(int argc, char **argv);

int main(int argc, char **argv) { return ftc_check_run_all(argc, argv); }
