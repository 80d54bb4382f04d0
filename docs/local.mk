# docs/ -- man pages and guides.
dist_man_MANS += docs/bureaud.8 docs/bureauctl.8

# Installed to $(docdir).
dist_doc_DATA += README.md docs/DEPLOYMENT.md docs/PLUGINS.md \
	docs/REPORT_CARD.md docs/UI.md

# Every guide travels in the tarball, whoever adds one.
dist-hook: docs-dist-hook
docs-dist-hook:
	$(MKDIR_P) $(distdir)/docs
	cd $(srcdir) && for f in docs/*.md docs/*/*.md; do \
	  test -f "$$f" || continue; \
	  $(MKDIR_P) "$(abs_top_builddir)/$(distdir)/$$(dirname $$f)"; \
	  cp -p "$$f" "$(abs_top_builddir)/$(distdir)/$$f"; \
	done
.PHONY: docs-dist-hook
