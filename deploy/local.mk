# deploy: build fragment
