# Shortcuts for the scripts (a fresh machine may lack make: the scripts work without it).
.PHONY: setup build run test clean
setup:
	bash scripts/setup.sh
build: setup
	bash scripts/build.sh
run:
	bash scripts/run.sh
test:
	bash scripts/test.sh
clean:
	rm -rf build
