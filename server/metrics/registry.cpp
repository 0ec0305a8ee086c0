#include "registry.h"

#include <algorithm>

namespace cortado::metrics {

QByteArray TextWriter::escape(const QString &value)
{
    QByteArray out = value.toUtf8();
    if (out.contains('\\') || out.contains('"') || out.contains('\n'))
        out.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    return out;
}

void TextWriter::family(const char *name, Type type, const char *help)
{
    static constexpr const char *types[] = {"counter", "gauge", "histogram"};
    m_text += "# HELP ";
    m_text += name;
    m_text += ' ';
    m_text += help;
    m_text += "\n# TYPE ";
    m_text += name;
    m_text += ' ';
    m_text += types[int(type)];
    m_text += '\n';
}

void TextWriter::head(const char *name, const Labels &labels)
{
    m_text += name;
    if (!labels.isEmpty()) {
        m_text += '{';
        for (qsizetype i = 0; i < labels.size(); ++i) {
            if (i > 0)
                m_text += ',';
            m_text += labels.at(i).first;
            m_text += "=\"";
            m_text += escape(labels.at(i).second);
            m_text += '"';
        }
        m_text += '}';
    }
    m_text += ' ';
}

void TextWriter::sample(const char *name, const Labels &labels, qint64 value)
{
    head(name, labels);
    m_text += QByteArray::number(value);
    m_text += '\n';
}

void TextWriter::sample(const char *name, const Labels &labels, double value)
{
    head(name, labels);
    m_text += QByteArray::number(value, 'g', 17);
    m_text += '\n';
}

void Histogram::observe(qint64 nanoseconds)
{
    ++m_count;
    m_sumNs += nanoseconds;
    const double seconds = double(nanoseconds) / 1e9;
    for (std::size_t i = 0; i < Bounds.size(); ++i) {
        if (seconds <= Bounds[i]) {
            ++m_buckets[i];
            return;
        }
    }
    // Above the last bound: only +Inf (the count) holds it.
}

Histogram::Counts Histogram::counts() const
{
    Counts counts{};
    qint64 bounded = 0;
    for (std::size_t i = 0; i < Bounds.size(); ++i) {
        counts[i] = m_buckets[i];
        bounded += m_buckets[i];
    }
    counts[Bounds.size()] = m_count - bounded;
    return counts;
}

double Histogram::quantile(const Counts &counts, double q)
{
    qint64 total = 0;
    for (const qint64 count : counts)
        total += count;
    if (total <= 0)
        return -1;
    const double rank = std::clamp(q, 0.0, 1.0) * double(total);
    qint64 below = 0;
    for (std::size_t i = 0; i < Bounds.size(); ++i) {
        if (counts[i] > 0 && double(below + counts[i]) >= rank) {
            const double lower = i == 0 ? 0.0 : Bounds[i - 1];
            return lower + (Bounds[i] - lower) * (rank - double(below)) / double(counts[i]);
        }
        below += counts[i];
    }
    return Bounds.back();
}

void Histogram::write(TextWriter &writer, const char *name, const Labels &labels) const
{
    const QByteArray bucket = QByteArray(name) + "_bucket";
    qint64 cumulative = 0;
    for (std::size_t i = 0; i < Bounds.size(); ++i) {
        cumulative += m_buckets[i];
        Labels withLe = labels;
        withLe.append({"le", QString::number(Bounds[i], 'g', 6)});
        writer.sample(bucket.constData(), withLe, cumulative);
    }
    Labels inf = labels;
    inf.append({"le", QStringLiteral("+Inf")});
    writer.sample(bucket.constData(), inf, m_count);
    writer.sample((QByteArray(name) + "_sum").constData(), labels, double(m_sumNs) / 1e9);
    writer.sample((QByteArray(name) + "_count").constData(), labels, m_count);
}

} // namespace cortado::metrics
