# www: build fragment
