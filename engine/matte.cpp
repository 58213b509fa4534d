// The public header's pieces that belong to no one component.
#include "engine/matte.h"

namespace matte {

Error::~Error() = default;

const char* version() { return MATTE_VERSION_STRING; }

}  // namespace matte
