// The /v1/ endpoints. None is implemented yet: until they are, /v1/ paths answer 404
// (after the token check), which a client can tell from a policy decision.
#include "module/api_routes.h"

namespace mailpolicy {

void add_api_routes(HttpRouter& /*router*/, const ApiContext& /*context*/) {}

}  // namespace mailpolicy
