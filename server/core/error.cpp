#include "error.h"

namespace cortado {

Error Error::badRequest(QString code, QString message)
{
    return Error{400, std::move(code), std::move(message)};
}

Error Error::unauthorized(QString message)
{
    return Error{401, protocol::errors::Unauthorized, std::move(message)};
}

Error Error::forbidden(QString message)
{
    return Error{403, protocol::errors::Forbidden, std::move(message)};
}

Error Error::notFound(QString message)
{
    return Error{404, protocol::errors::NotFound, std::move(message)};
}

Error Error::internal(QString message)
{
    return Error{500, protocol::errors::InternalError, std::move(message)};
}

Error Error::overloaded(QString message)
{
    return Error{503, protocol::errors::Overloaded, std::move(message)};
}

} // namespace cortado
