# tests/fuzz/ -- libFuzzer targets (clang), built only by `make fuzz`,
# outside the normal build so a gcc build never needs clang.  The work
# is done by tests/fuzz/fuzz.mk (GNU make) with this tree's configure
# results; the binaries land in tests/fuzz/ of the build tree.
# tests/fuzz/run.py builds and runs them (scripts/test runs it).
FUZZ_CC = clang

fuzz:
	$(MKDIR_P) tests/fuzz
	$(MAKE) -f $(abs_top_srcdir)/tests/fuzz/fuzz.mk \
	    SRC='$(abs_top_srcdir)' OUT='$(abs_top_builddir)/tests/fuzz' \
	    FUZZ_CC='$(FUZZ_CC)' DEFS='$(DEFS)' \
	    PKG_CFLAGS='$(FCGI_CFLAGS) $(JANSSON_CFLAGS) $(SODIUM_CFLAGS) $(SQLITE_CFLAGS) $(INIH_CFLAGS) $(SYSTEMD_CFLAGS) $(XLSXWRITER_CFLAGS)' \
	    PKG_LIBS='$(FCGI_LIBS) $(JANSSON_LIBS) $(SODIUM_LIBS) $(SQLITE_LIBS) $(INIH_LIBS) $(SYSTEMD_LIBS) $(CRACK_LIBS) $(CSV_LIBS) $(XLSXWRITER_LIBS)'

clean-local: fuzz-clean
fuzz-clean:
	-$(MAKE) -f $(abs_top_srcdir)/tests/fuzz/fuzz.mk \
	    SRC='$(abs_top_srcdir)' OUT='$(abs_top_builddir)/tests/fuzz' clean

# The sources, seed corpora and scripts travel in the tarball.
dist-hook: fuzz-dist-hook
fuzz-dist-hook:
	$(MKDIR_P) $(distdir)/tests/fuzz
	cp -pR $(srcdir)/tests/fuzz/*.c $(srcdir)/tests/fuzz/*.h \
	    $(srcdir)/tests/fuzz/*.mk $(srcdir)/tests/fuzz/*.py \
	    $(srcdir)/tests/fuzz/*.dict \
	    $(srcdir)/tests/fuzz/corpus $(distdir)/tests/fuzz/

# The other reliability suites (scripts/test runs their run.py): Python
# and data files, whoever adds one.
dist-hook: reliability-dist-hook
reliability-dist-hook:
	for d in hostile crash limits scanners backup; do \
	  test -d $(srcdir)/tests/$$d || continue; \
	  $(MKDIR_P) $(distdir)/tests/$$d; \
	  cp -p $(srcdir)/tests/$$d/*.py $(distdir)/tests/$$d/; \
	  for f in $(srcdir)/tests/$$d/*.json; do \
	    test -f "$$f" && cp -p "$$f" $(distdir)/tests/$$d/; \
	  done; \
	done; true

.PHONY: fuzz fuzz-clean fuzz-dist-hook reliability-dist-hook
