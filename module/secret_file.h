// Secrets are read by ldap/secret_file.h, the one reader shared with the LDAP connection
// (which sits below module/ and reads the bind password on every connect).
#pragma once

#include "ldap/secret_file.h"
