# tests/integration/ -- Python tests through the real nginx + bureaud,
# run by scripts/test (python3 tests/integration/run.py), not by
# `make check`: they need nginx and a free loopback port, and they test
# the installed shape (nginx site + bureaud + plugins) rather than units.
#
# Every *.py here travels in the tarball, whoever adds one.
dist-hook: integration-dist-hook
integration-dist-hook:
	$(MKDIR_P) $(distdir)/tests/integration
	cp -p $(srcdir)/tests/integration/*.py $(distdir)/tests/integration/
.PHONY: integration-dist-hook
