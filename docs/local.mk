# docs: build fragment
