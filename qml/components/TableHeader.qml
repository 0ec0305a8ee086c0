// The bold titles over a list of ListRows: each at its column's width, inset as the rows' contents
// are (an ItemDelegate's left padding), cut with an ellipsis rather than run into the next title.
import QtQuick
import QtQuick.Controls

Row {
    id: header
    property var columns: [] // [[title, width], ...], the widths the rows' cells use
    leftPadding: 16 // ListRow's: Material's ItemDelegate padding
    Repeater {
        model: header.columns
        Label { text: modelData[0]; width: modelData[1]; font.bold: true; elide: Text.ElideRight }
    }
}
