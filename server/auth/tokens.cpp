#include "tokens.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>

#include <jwt.h>

#include <memory>

using namespace Qt::StringLiterals;

namespace cortado::auth {

namespace {

struct JwtDeleter
{
    void operator()(jwt_t *jwt) const { jwt_free(jwt); }
};
using JwtPointer = std::unique_ptr<jwt_t, JwtDeleter>;

jwt_alg_t toJwtAlgorithm(Algorithm algorithm)
{
    return algorithm == Algorithm::HS256 ? JWT_ALG_HS256 : JWT_ALG_RS256;
}

QLatin1String algorithmName(Algorithm algorithm)
{
    return algorithm == Algorithm::HS256 ? "HS256"_L1 : "RS256"_L1;
}

Error refuse(const QString &reason, const QString &message)
{
    Error error = Error::unauthorized(message);
    error.details = QJsonObject{{u"reason"_s, reason}};
    return error;
}

std::optional<QJsonObject> decodeJsonPart(QByteArrayView part)
{
    const auto decoded = QByteArray::fromBase64Encoding(
            part.toByteArray(), QByteArray::Base64UrlEncoding | QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return std::nullopt;
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(*decoded, &error);
    if (error.error != QJsonParseError::NoError || !document.isObject())
        return std::nullopt;
    return document.object();
}

bool readFile(const QString &path, QByteArray *contents, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = u"cannot read %1: %2"_s.arg(path, file.errorString());
        return false;
    }
    *contents = file.readAll();
    return true;
}

// Written into the data folder with its first secret: a folder that has it holds Cortado data.
QString folderMarker()
{
    return u".cortado-data"_s;
}

void writeFolderMarker(const QString &dataDir)
{
    QFile marker(QDir(dataDir).filePath(folderMarker()));
    if (!marker.exists() && marker.open(QIODevice::WriteOnly | QIODevice::NewOnly))
        marker.write("Cortado data folder: cortado-server keeps its JWT secret (jwt-secret) and, by default, "
                     "its database (cortado.db) here.\n");
}

// The development secret: created once with owner-only permissions, then reused, so that
// `cortado-server token` run from the same place signs tokens the server accepts.
std::optional<QByteArray> developmentSecret(const QString &dataDir, QString *error, QString *notice)
{
    const QString path = QDir(dataDir).filePath(u"jwt-secret"_s);
    QFile file(path);
    if (file.exists()) {
        if (!file.open(QIODevice::ReadOnly)) {
            *error = u"cannot read %1: %2"_s.arg(path, file.errorString());
            return std::nullopt;
        }
        const QByteArray secret = file.readAll().trimmed();
        if (secret.size() < 32) {
            *error = u"%1 holds a secret shorter than 32 bytes; delete it to get a new one"_s.arg(path);
            return std::nullopt;
        }
        *notice = u"using the development JWT secret in %1; set CORTADO_JWT_SECRET in production"_s.arg(path);
        writeFolderMarker(dataDir);
        return secret;
    }
    // A folder that held Cortado data had a secret: a new one would make every token issued before
    // fail, silently. Only a brand-new folder gets one.
    const QDir folder(dataDir);
    for (const QString &evidence : {folderMarker(), u"cortado.db"_s}) {
        if (!folder.exists(evidence))
            continue;
        QString note;
        if (QFile marker(folder.filePath(folderMarker())); marker.open(QIODevice::ReadOnly))
            note = QString::fromUtf8(marker.read(1000)).trimmed();
        *error = u"%1 has Cortado data (%2) but no jwt-secret: a new secret would make every token "
                 u"issued before fail. Restore %3 from a backup, or set CORTADO_JWT_SECRET, or delete "
                 u"the folder to start afresh (its data is then gone).%4"_s
                         .arg(dataDir, evidence, path, note.isEmpty() ? QString() : u"\n"_s + note);
        return std::nullopt;
    }
    if (!QDir().mkpath(dataDir)) {
        *error = u"cannot create the data folder %1"_s.arg(dataDir);
        return std::nullopt;
    }
    QFile::setPermissions(dataDir, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    quint32 random[8];
    QRandomGenerator::system()->fillRange(random);
    const QByteArray secret = QByteArray(reinterpret_cast<const char *>(random), sizeof random)
                                      .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
    if (!file.open(QIODevice::WriteOnly | QIODevice::NewOnly)
        || !file.setPermissions(QFile::ReadOwner | QFile::WriteOwner) || file.write(secret) != secret.size()) {
        *error = u"cannot write %1: %2"_s.arg(path, file.errorString());
        return std::nullopt;
    }
    writeFolderMarker(dataDir);
    *notice = u"generated a development JWT secret in %1 (owner-only); set CORTADO_JWT_SECRET in production"_s.arg(path);
    return secret;
}

} // namespace

std::optional<TokenConfig> TokenConfig::fromSettings(const TokenSettings &settings,
                                                     const QString &dataDir, QString *error,
                                                     QString *notice)
{
    TokenConfig config;
    config.issuer = settings.issuer;
    config.audience = settings.audience;
    config.leewaySeconds = settings.leewaySeconds;
    config.expiryWarningSeconds = settings.expiryWarningSeconds;
    config.apiKey = settings.apiKey;
    // Config checks these lengths already; a TokenSettings built in code gets the same rule.
    if (!config.apiKey.isEmpty() && config.apiKey.size() < 32) {
        *error = u"CORTADO_API_KEY must be at least 32 bytes"_s;
        return std::nullopt;
    }
    if (!settings.publicKeyFile.isEmpty()) {
        config.algorithm = Algorithm::RS256;
        if (!readFile(settings.publicKeyFile, &config.verificationKey, error))
            return std::nullopt;
        if (!settings.privateKeyFile.isEmpty()
            && !readFile(settings.privateKeyFile, &config.signingKey, error))
            return std::nullopt;
        return config;
    }

    QByteArray secret = settings.secret;
    if (secret.isEmpty()) {
        std::optional<QByteArray> generated = developmentSecret(dataDir, error, notice);
        if (!generated)
            return std::nullopt;
        secret = *generated;
    } else if (secret.size() < 32) {
        *error = u"CORTADO_JWT_SECRET must be at least 32 bytes for HS256"_s;
        return std::nullopt;
    }
    config.verificationKey = config.signingKey = secret;
    return config;
}

std::optional<Error> checkTokenFront(QByteArrayView token, Algorithm algorithm)
{
    // Our own checks first, so that libjwt only ever sees tokens of the one configured algorithm:
    // "alg": "none", and an HS256 token "signed" with an RS256 public key, stop here.
    const QList<QByteArrayView> parts = [&] {
        QList<QByteArrayView> result;
        qsizetype start = 0;
        for (qsizetype dot; (dot = token.indexOf('.', start)) >= 0; start = dot + 1)
            result.append(token.sliced(start, dot - start));
        result.append(token.sliced(start));
        return result;
    }();
    if (parts.size() != 3 || parts.at(0).isEmpty() || parts.at(1).isEmpty())
        return refuse(u"malformed"_s, u"the token is not a signed JWT (header.payload.signature)"_s);
    const std::optional<QJsonObject> header = decodeJsonPart(parts.at(0));
    if (!header || !decodeJsonPart(parts.at(1)))
        return refuse(u"malformed"_s, u"the token's header or payload is not base64url JSON"_s);
    const QString name = header->value("alg"_L1).toString();
    if (name != algorithmName(algorithm))
        return refuse(u"algorithm"_s, u"tokens must be signed with %1, not \"%2\""_s.arg(
                                              algorithmName(algorithm), name));
    if (parts.at(2).isEmpty())
        return refuse(u"signature"_s, u"the token has no signature"_s);
    return std::nullopt;
}

std::variant<User, Error> userFromClaims(const QJsonObject &claims, const TokenConfig &config,
                                         qint64 now)
{
    // exp and nbf are JSON numbers (doubles): outside 1970..9999 they would not fit the integer
    // arithmetic below (found by the token fuzzer: "exp": 1e81 was undefined behaviour).
    constexpr double MaxNumericDate = 253402300799; // 9999-12-31T23:59:59Z
    const auto isNumericDate = [](const QJsonValue &value) {
        return value.isDouble() && value.toDouble() >= 0 && value.toDouble() <= MaxNumericDate;
    };
    const QJsonValue exp = claims.value("exp"_L1);
    if (!exp.isUndefined() && !isNumericDate(exp))
        return refuse(u"claims"_s, u"\"exp\" must be a number of seconds from 1970 to 9999"_s);
    if (exp.isDouble() && now > qint64(exp.toDouble()) + config.leewaySeconds)
        return refuse(u"expired"_s, u"the token expired"_s);
    const QJsonValue nbf = claims.value("nbf"_L1);
    if (!nbf.isUndefined() && !isNumericDate(nbf))
        return refuse(u"claims"_s, u"\"nbf\" must be a number of seconds from 1970 to 9999"_s);
    if (nbf.isDouble() && now + config.leewaySeconds < qint64(nbf.toDouble()))
        return refuse(u"not_yet_valid"_s, u"the token is not valid yet"_s);
    if (!config.issuer.isEmpty() && claims.value("iss"_L1).toString() != config.issuer)
        return refuse(u"issuer"_s, u"the token was not issued by \"%1\""_s.arg(config.issuer));
    if (!config.audience.isEmpty()) {
        const QJsonValue aud = claims.value("aud"_L1);
        const bool forUs = aud.isString() ? aud.toString() == config.audience
                                          : aud.toArray().contains(QJsonValue(config.audience));
        if (!forUs)
            return refuse(u"audience"_s, u"the token is not meant for \"%1\""_s.arg(config.audience));
    }
    const QString subject = claims.value("sub"_L1).toString();
    if (subject.isEmpty())
        return refuse(u"claims"_s, u"the token has no \"sub\""_s);

    User user;
    user.id = subject;
    user.name = claims.value("name"_L1).toString(claims.value("preferred_username"_L1).toString(subject));
    if (claims.value("roles"_L1).isArray()) {
        for (const QJsonValue &role : claims.value("roles"_L1).toArray()) {
            if (role.isString())
                user.roles.append(role.toString());
        }
    } else if (claims.value("role"_L1).isString()) {
        user.roles.append(claims.value("role"_L1).toString());
    }
    user.claims = claims;
    if (exp.isDouble())
        user.expiresAt = QDateTime::fromSecsSinceEpoch(qint64(exp.toDouble()), Qt::UTC);
    return user;
}

std::variant<User, Error> TokenVerifier::verify(QByteArrayView token) const
{
    if (std::optional<Error> refusal = checkTokenFront(token, m_config.algorithm))
        return *refusal;

    jwt_t *raw = nullptr;
    const QByteArray terminated = token.toByteArray();
    const int failed = jwt_decode(&raw, terminated.constData(),
                                  reinterpret_cast<const unsigned char *>(m_config.verificationKey.constData()),
                                  int(m_config.verificationKey.size()));
    JwtPointer jwt(raw);
    if (failed || !jwt || jwt_get_alg(jwt.get()) != toJwtAlgorithm(m_config.algorithm))
        return refuse(u"signature"_s, u"the token's signature does not verify"_s);

    std::unique_ptr<char, decltype(&free)> grants(jwt_get_grants_json(jwt.get(), nullptr), &free);
    const QJsonObject claims = grants ? QJsonDocument::fromJson(grants.get()).object() : QJsonObject();
    return userFromClaims(claims, m_config, QDateTime::currentSecsSinceEpoch());
}

QByteArray issueUserToken(const TokenConfig &config, const QString &user, const QString &name,
                          const QStringList &roles, qint64 ttlSeconds)
{
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    QJsonObject claims{{QStringLiteral("sub"), user},
                       {QStringLiteral("name"), name.isEmpty() ? user : name},
                       {QStringLiteral("roles"), QJsonArray::fromStringList(roles)},
                       {QStringLiteral("iat"), now},
                       {QStringLiteral("exp"), now + ttlSeconds}};
    if (!config.issuer.isEmpty())
        claims.insert(QStringLiteral("iss"), config.issuer);
    if (!config.audience.isEmpty())
        claims.insert(QStringLiteral("aud"), config.audience);
    return issueToken(config, claims);
}

QByteArray issueToken(const TokenConfig &config, const QJsonObject &claims)
{
    if (config.signingKey.isEmpty())
        return {};
    jwt_t *raw = nullptr;
    if (jwt_new(&raw) != 0)
        return {};
    JwtPointer jwt(raw);
    const QByteArray json = QJsonDocument(claims).toJson(QJsonDocument::Compact);
    if (jwt_add_grants_json(jwt.get(), json.constData()) != 0
        || jwt_set_alg(jwt.get(), toJwtAlgorithm(config.algorithm),
                       reinterpret_cast<const unsigned char *>(config.signingKey.constData()),
                       int(config.signingKey.size())) != 0)
        return {};
    std::unique_ptr<char, decltype(&free)> encoded(jwt_encode_str(jwt.get()), &free);
    return encoded ? QByteArray(encoded.get()) : QByteArray();
}

} // namespace cortado::auth
