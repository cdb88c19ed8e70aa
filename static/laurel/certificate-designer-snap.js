// Snapping for the certificate designer (certificate-designer.js): while a block is dragged, its left edge, centre
// or right edge (and top, middle or bottom) is drawn to the page's centre lines, the page's margins and the
// other blocks' edges and centres when it comes within a few pixels of one; the lines it snapped to are shown
// as guides. Holding Alt places freely. Everything here is in points; `reach` is how near counts.
(function () {
  "use strict";
  var MARGIN_PT = 36;  // half an inch: the margin the guides mark

  // Where a block may line up along one axis: [position, what it is] pairs.
  function targets(pageLength, others, start, length, axis) {
    var names = axis === "x" ? ["the left margin", "the page's centre", "the right margin"]
                             : ["the top margin", "the page's middle", "the bottom margin"];
    var lines = [[MARGIN_PT, names[0]], [pageLength / 2, names[1]], [pageLength - MARGIN_PT, names[2]]];
    others.forEach(function (block) {
      var from = block[start], size = block[length];
      lines.push([from, "another block"], [from + size / 2, "another block"], [from + size, "another block"]);
    });
    return lines;
  }

  // The nearest line within reach of the block's three lines on one axis: {offset, at, name}, or null.
  function nearest(from, size, lines, reach) {
    var best = null;
    [from, from + size / 2, from + size].forEach(function (edge) {
      lines.forEach(function (line) {
        var offset = line[0] - edge;
        if (Math.abs(offset) <= reach && (!best || Math.abs(offset) < Math.abs(best.offset))) {
          best = { offset: offset, at: line[0], name: line[1] };
        }
      });
    });
    return best;
  }

  // The block's place at raw (x, y), snapped: {x, y, guides: [{axis, at, name}]}.
  function snap(block, raw, others, page, reach) {
    var x = nearest(raw.x, block.w, targets(page[0], others, "x", "w", "x"), reach);
    var y = nearest(raw.y, block.h, targets(page[1], others, "y", "h", "y"), reach);
    var guides = [];
    if (x) guides.push({ axis: "x", at: x.at, name: x.name });
    if (y) guides.push({ axis: "y", at: y.at, name: y.name });
    return { x: raw.x + (x ? x.offset : 0), y: raw.y + (y ? y.offset : 0), guides: guides };
  }

  window.LaurelDesignSnap = { snap: snap, MARGIN_PT: MARGIN_PT };
})();
