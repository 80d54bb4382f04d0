/* cmd_audit.c -- placeholder, being written */
