// make_audit_store: turns the [audit] store setting into a backend. The forms are
// "sqlite:/path", "postgresql:<libpq conninfo>" and "none"; anything else is refused
// with std::invalid_argument naming the value (its password redacted) and the forms.
#include "module/audit_store.h"

#include <stdexcept>

#include "module/audit_postgres.h"
#include "module/audit_sqlite.h"

namespace mailpolicy {

std::unique_ptr<AuditStore> make_audit_store(const std::string& spec) {
    const std::string sqlite = "sqlite:";
    const std::string postgres = "postgresql:";
    if (spec == "none") return nullptr;
    if (spec.rfind(sqlite, 0) == 0 && spec.size() > sqlite.size()) {
        return make_sqlite_audit_store(spec.substr(sqlite.size()));
    }
    if (spec.rfind(postgres, 0) == 0) {
        return make_postgres_audit_store(spec.substr(postgres.size()));
    }
    throw std::invalid_argument("audit store \"" + redact_conninfo(spec, spec) +
                                "\" is not one of sqlite:/path, postgresql:<libpq conninfo>, "
                                "none");
}

}  // namespace mailpolicy
