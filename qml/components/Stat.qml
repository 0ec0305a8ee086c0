import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

Frame {
    property string label
    property var value
    Layout.preferredWidth: 180
    ColumnLayout {
        Label { text: label; opacity: 0.7 }
        Label { text: value === undefined ? "–" : value; font.pixelSize: 30; font.bold: true }
    }
}
