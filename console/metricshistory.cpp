#include "metricshistory.h"

#include <QDateTime>
#include <QJsonArray>
#include <QPointF>
#include <QtCharts/QXYSeries>

#include <algorithm>
#include <cmath>
#include <limits>

using namespace Qt::StringLiterals;

namespace {

constexpr double Missing = std::numeric_limits<double>::quiet_NaN();

// The figures one admin:counters carries, flattened to named values (docs/admin.md lists them).
QHash<QString, double> flatten(const QJsonObject &counters)
{
    QHash<QString, double> values;
    const auto number = [&](const QString &key, const QJsonValue &value) {
        if (value.isDouble())
            values.insert(key, value.toDouble());
    };
    for (const QString &key : {u"connections"_s, u"rooms"_s, u"inPerSecond"_s, u"outPerSecond"_s,
                               u"bytesInPerSecond"_s, u"bytesOutPerSecond"_s, u"errorsPerSecond"_s,
                               u"slowConsumersPerSecond"_s, u"refusedHandshakesPerSecond"_s}) {
        number(key, counters.value(key));
    }
    const QJsonObject handler = counters.value("handlerMs"_L1).toObject();
    number(u"handlerP50Ms"_s, handler.value("p50"_L1));
    number(u"handlerP99Ms"_s, handler.value("p99"_L1));
    const QJsonObject storage = counters.value("storage"_L1).toObject();
    number(u"storageBacklog"_s, storage.value("backlog"_L1));
    number(u"storageLagMs"_s, storage.value("commitLagMs"_L1));
    const QJsonObject errors = counters.value("errorsByCode"_L1).toObject();
    for (auto it = errors.begin(); it != errors.end(); ++it)
        number(u"error:"_s + it.key(), it.value());
    return values;
}

} // namespace

void MetricsHistory::add(const QJsonObject &counters)
{
    const qint64 t = counters.contains("t"_L1) ? qint64(counters.value("t"_L1).toDouble())
                                                : QDateTime::currentMSecsSinceEpoch();
    const QHash<QString, double> values = flatten(counters);
    const std::size_t before = m_times.size();
    m_times.push_back(t);
    for (auto it = values.begin(); it != values.end(); ++it) {
        auto series = m_values.find(it.key());
        if (series == m_values.end()) { // a key seen for the first time: no value for older samples
            const double older = it.key().startsWith("error:"_L1) ? 0.0 : Missing; // codes: none sent
            series = m_values.insert(it.key(), std::deque<double>(before, older));
        }
        series->push_back(it.value());
    }
    // An error code counts 0 (not "missing") in the seconds it was not sent.
    for (auto it = m_values.begin(); it != m_values.end(); ++it) {
        if (it->size() == before)
            it->push_back(it.key().startsWith("error:"_L1) ? 0.0 : Missing);
    }
    if (m_times.size() > std::size_t(Capacity)) {
        m_times.pop_front();
        for (auto it = m_values.begin(); it != m_values.end();) {
            it->pop_front();
            // An error code not seen for the whole hour goes (the set of codes stays bounded).
            const bool gone = it.key().startsWith("error:"_L1)
                              && std::all_of(it->begin(), it->end(), [](double v) { return v == 0; });
            it = gone ? m_values.erase(it) : std::next(it);
        }
    }
    Q_EMIT changed();
}

void MetricsHistory::clear()
{
    m_times.clear();
    m_values.clear();
    Q_EMIT changed();
}

QStringList MetricsHistory::keys() const
{
    QStringList keys = m_values.keys();
    keys.sort();
    return keys;
}

std::size_t MetricsHistory::firstIndexIn(int windowSeconds) const
{
    if (m_times.empty())
        return 0;
    const qint64 from = m_times.back() - qint64(windowSeconds) * 1000;
    return std::size_t(std::lower_bound(m_times.begin(), m_times.end(), from) - m_times.begin());
}

bool MetricsHistory::plot(QObject *series, const QString &key, int windowSeconds) const
{
    auto *xy = qobject_cast<QXYSeries *>(series);
    if (!xy)
        return false;
    QList<QPointF> points;
    const auto values = m_values.constFind(key);
    if (values != m_values.cend()) {
        const std::size_t first = firstIndexIn(windowSeconds);
        points.reserve(qsizetype(m_times.size() - first));
        for (std::size_t i = first; i < m_times.size(); ++i) {
            if (!std::isnan((*values)[i]))
                points.append(QPointF(double(m_times[i]), (*values)[i]));
        }
    }
    xy->replace(points); // one repaint, not one per point
    return true;
}

double MetricsHistory::peak(const QStringList &keys, int windowSeconds) const
{
    double peak = 0;
    const std::size_t first = firstIndexIn(windowSeconds);
    for (const QString &key : keys) {
        const auto values = m_values.constFind(key);
        if (values == m_values.cend())
            continue;
        for (std::size_t i = first; i < values->size(); ++i) {
            if (!std::isnan((*values)[i]))
                peak = std::max(peak, (*values)[i]);
        }
    }
    return peak;
}

QStringList MetricsHistory::errorCodes(int windowSeconds, int limit) const
{
    QList<std::pair<double, QString>> totals;
    const std::size_t first = firstIndexIn(windowSeconds);
    for (auto it = m_values.cbegin(); it != m_values.cend(); ++it) {
        if (!it.key().startsWith("error:"_L1))
            continue;
        double sum = 0;
        for (std::size_t i = first; i < it->size(); ++i)
            sum += (*it)[i];
        if (sum > 0)
            totals.append({sum, it.key().mid(6)});
    }
    std::sort(totals.begin(), totals.end(), [](const auto &a, const auto &b) {
        return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    QStringList codes;
    for (const auto &[sum, code] : std::as_const(totals)) {
        if (codes.size() >= limit)
            break;
        codes.append(code);
    }
    return codes;
}

double MetricsHistory::latest(const QString &key) const
{
    const auto values = m_values.constFind(key);
    return values == m_values.cend() || values->empty() ? Missing : values->back();
}
