// A fixture for the docs.references_fail test: it cites a page the repository lacks
// (see NOWHERE.md section 2), so tools/check-doc-references must fail on this folder.
