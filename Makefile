# Entry points; each does its own set-up (see testbed/).
.PHONY: lab lab-down test

lab:
	testbed/lab.sh up

lab-down:
	testbed/lab.sh down

test:
	testbed/test.sh
