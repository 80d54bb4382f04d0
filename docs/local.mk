# docs/ -- man pages and guides.
#
# The man pages are listed; the guides are not: every docs/*.md and
# docs/api/*.md travels in the tarball (dist-hook) and is installed to
# $(docdir) and $(docdir)/api (install-data-local), whoever adds one --
# nothing to edit here for a new guide.  README.md goes to $(docdir) too.
dist_man_MANS += docs/bureaud.8 docs/bureauctl.8

dist_doc_DATA += README.md

# The route index's check (python3 docs/api/check-index.py).
EXTRA_DIST += docs/api/check-index.py

apidocdir = $(docdir)/api

dist-hook: docs-dist-hook
docs-dist-hook:
	$(MKDIR_P) $(distdir)/docs
	cd $(srcdir) && for f in docs/*.md docs/*/*.md; do \
	  test -f "$$f" || continue; \
	  $(MKDIR_P) "$(abs_top_builddir)/$(distdir)/$$(dirname $$f)"; \
	  cp -p "$$f" "$(abs_top_builddir)/$(distdir)/$$f"; \
	done

install-data-local: install-docs-guides
install-docs-guides:
	$(MKDIR_P) "$(DESTDIR)$(docdir)" "$(DESTDIR)$(apidocdir)"
	for f in $(srcdir)/docs/*.md; do \
	  test -f "$$f" || continue; \
	  $(INSTALL_DATA) "$$f" "$(DESTDIR)$(docdir)/" || exit 1; \
	done
	for f in $(srcdir)/docs/api/*.md; do \
	  test -f "$$f" || continue; \
	  $(INSTALL_DATA) "$$f" "$(DESTDIR)$(apidocdir)/" || exit 1; \
	done

uninstall-local: uninstall-docs-guides
uninstall-docs-guides:
	for f in $(srcdir)/docs/*.md; do \
	  test -f "$$f" || continue; \
	  rm -f "$(DESTDIR)$(docdir)/$$(basename $$f)"; \
	done
	for f in $(srcdir)/docs/api/*.md; do \
	  test -f "$$f" || continue; \
	  rm -f "$(DESTDIR)$(apidocdir)/$$(basename $$f)"; \
	done
	-rmdir "$(DESTDIR)$(apidocdir)" 2>/dev/null

.PHONY: docs-dist-hook install-docs-guides uninstall-docs-guides
