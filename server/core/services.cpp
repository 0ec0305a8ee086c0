#include "services.h"

#if __has_include(<cxxabi.h>)
#  include <cxxabi.h>
#  include <cstdlib>
#endif

namespace cortado {

QString serviceTypeName(const std::type_info &type)
{
#if __has_include(<cxxabi.h>)
    int status = 0;
    char *name = abi::__cxa_demangle(type.name(), nullptr, nullptr, &status);
    if (status == 0 && name) {
        const QString readable = QString::fromUtf8(name);
        std::free(name);
        return readable;
    }
    std::free(name);
#endif
    return QString::fromUtf8(type.name());
}

} // namespace cortado
