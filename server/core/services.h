#pragma once

#include <QString>
#include <QtGlobal>

#include <memory>
#include <type_traits>
#include <typeindex>
#include <unordered_map>

namespace cortado {

// A readable C++ name of a type, e.g. "cortado::Storage" (for start-up errors).
QString serviceTypeName(const std::type_info &type);

// Application-wide objects that route files reach at run time (a project store, a token verifier):
// route files are plain functions registered by the build, so they cannot be handed constructor
// arguments. Provide before listen(); read-only afterwards.
//
//   server.services().provide(std::make_shared<ProjectStore>());
//   ...
//   ProjectStore *projects = ctx.services().get<ProjectStore>();
class Services
{
public:
    template<typename T>
    void provide(std::shared_ptr<T> service)
    {
        using Stored = std::remove_cv_t<T>;
        m_services[std::type_index(typeid(Stored))] = std::const_pointer_cast<Stored>(std::move(service));
    }

    // nullptr when nobody provided a T. get<const T>() finds what provide<T>() stored and vice versa.
    template<typename T>
    T *get() const
    {
        const auto it = m_services.find(std::type_index(typeid(std::remove_cv_t<T>)));
        return it == m_services.end() ? nullptr : static_cast<T *>(it->second.get());
    }

private:
    std::unordered_map<std::type_index, std::shared_ptr<void>> m_services;
};

} // namespace cortado
