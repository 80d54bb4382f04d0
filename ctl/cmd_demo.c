/* cmd_demo.c -- placeholder, being written */
