// The config key table. Defaults here are the defaults of SPEC §4; the typed structs in
// config.h repeat them for code that builds a Config without a file.
#include "module/config_keys.h"

namespace mailpolicy {

namespace {

constexpr ConfigKey kKeys[] = {
    {"listen.policy", "127.0.0.1:10045", "Postfix policy protocol: host:port or unix:/path"},
    {"listen.http", "127.0.0.1:10046", "HTTP API, health and metrics: host:port; empty: off"},
    {"listen.http-token-file", "",
     "file with the bearer token for /v1/; required when listen.http is not loopback"},
    {"listen.max-connections", "1024", "policy protocol connections open at once"},
    {"listen.max-connections-per-peer", "256",
     "connections one client address may hold on each listener; loopback and unix: exempt; "
     "0: no cap"},
    {"listen.request-timeout", "10",
     "seconds from a request's first byte to its end (policy and HTTP); then the connection "
     "is closed"},

    {"directory.source", "ldif:/etc/mailpolicyd/directory.ldif",
     "ldif:/path, ldap://, ldaps:// or ldapi:// URL"},
    {"directory.base-dn", "", "where accounts, classes and domains live"},
    {"directory.bind-dn", "", "DN to bind as; empty: anonymous or SASL EXTERNAL"},
    {"directory.bind-password-file", "", "file with the bind password (never on the command line)"},
    {"directory.starttls", "no", "no | try | demand"},
    {"directory.tls-ca-file", "", "CA certificates for ldaps:// and StartTLS"},
    {"directory.account-filter", "(mail=*)", "LDAP filter selecting account entries"},
    {"directory.alias-attributes", "", "attributes holding alias addresses, space separated"},
    {"directory.login-attribute", "uid", "attribute holding login names"},
    {"directory.sync", "auto", "auto | syncrepl | poll"},
    {"directory.poll-interval", "60", "seconds between polls, for sync = poll"},
    {"directory.cache-file", "/var/lib/mailpolicyd/directory.cache",
     "replica cache, served from when LDAP is unreachable at start"},

    {"policy.local-domains", "account", "account | hosted"},
    {"policy.default-send-mode", "allowAll", "allowAll | localOnly | localAndSubdomains | denyAll"},
    {"policy.default-receive-mode", "allowAll",
     "allowAll | localOnly | localAndSubdomains | denyAll"},
    {"policy.enforcement", "enforce", "enforce | audit"},
    {"policy.trusted-networks", "127.0.0.0/8 ::1/128",
     "networks whose local senders are believed, CIDR list"},
    {"policy.verify-local-senders", "true", "true | false"},
    {"policy.null-sender", "allow", "allow | external"},
    {"policy.recipient-delimiter", "+", "address extension delimiters; empty: none"},
    {"policy.reject-code", "550", "SMTP code of a denial, 5xx"},
    {"policy.reject-status", "5.7.1", "enhanced status code of a denial, 5.x.x"},
    {"policy.send-reject-text", "Sending to this recipient is not permitted",
     "reply text of a send denial"},
    {"policy.receive-reject-text", "This recipient does not accept mail from the sender",
     "reply text of a receive denial"},
    {"policy.on-unavailable", "tempfail",
     "tempfail | permit: the answer while no directory data is loaded"},

    {"audit.store", "sqlite:/var/lib/mailpolicyd/audit.db",
     "sqlite:/path, postgresql:<libpq conninfo>, or none"},
    {"audit.retention-days", "90", "days audit records are kept"},

    {"ndr.reporting-mta", "", "Reporting-MTA of NDRs; empty: the host name"},
    {"ndr.from", "", "From of NDRs; empty: MAILER-DAEMON@<reporting-mta>"},
    {"ndr.return", "headers", "headers | full: what of the original an NDR returns"},

    {"log.level", "information",
     "fatal | critical | error | warning | notice | information | debug | trace"},
    {"log.target", "syslog", "syslog | console | file:/path"},

    {"sendmail.real-sendmail", "/usr/sbin/sendmail", "the MTA's sendmail program"},
    {"sendmail.policy-url", "http://127.0.0.1:10046", "where mailpolicy-sendmail asks"},
    {"sendmail.token-file", "", "file with the bearer token for the policy URL"},
    {"sendmail.on-unavailable", "tempfail", "tempfail | pass"},
    {"sendmail.origin", "", "domain for bare names; empty: /etc/mailname, else the host name"},

    {"admin.bind-dn", "", "DN the mailpolicy command binds as to edit LDAP"},
    {"admin.bind-password-file", "", "file with that DN's password"},
};

}  // namespace

std::span<const ConfigKey> config_keys() {
    return kKeys;
}

}  // namespace mailpolicy
