/*
 * Renders Adaptive Cards with Microsoft's renderer (window.AdaptiveCards, the `adaptivecards`
 * npm package) and measures what a person would find cut off.
 *
 * `pcsoGallery.render(items, hostConfig, widths)` renders every card at every width in this
 * page, each state in its own box (`.frame[data-frame=ID]`, left in the page so that the
 * test can take screenshots of them):
 *   - "collapsed": the card as sent;
 *   - "expanded": with every hidden element (`isVisible: false`, what the card's
 *     Action.ToggleVisibility buttons show) made visible;
 *   - "show-N": with the N-th Action.ShowCard button pressed (its form opened).
 * For each box it returns the card's rendered height and the problems found:
 *   - an element wider than the card (its right edge past the card's);
 *   - content cut off sideways: an element whose content is wider than its box where the
 *     box hides the rest (overflow hidden/clip/auto/scroll), e.g. a button title shown with
 *     an ellipsis; or the value/placeholder of a text, number or choice input wider than
 *     the input;
 *   - text clipped vertically (overflow hidden with more text than room, e.g. maxLines);
 *   - a word wider than its text's box, so broken across lines (e.g. a narrow table column);
 *   - actions the renderer did not show (more than the host's maxActions).
 * And, once per card, the renderer's own validation: the events of `AdaptiveCard.parse`
 * with a SerializationContext (eventCount/getEventAt) and of `validateProperties()`.
 */
(function () {
  "use strict";
  var AC = window.AdaptiveCards;
  var CLIPPING = ["hidden", "clip", "auto", "scroll"];
  var canvas = document.createElement("canvas");

  function eventText(issue, where) {
    return {
      where: where,
      phase: AC.ValidationPhase ? AC.ValidationPhase[issue.phase] : String(issue.phase),
      event: AC.ValidationEvent ? AC.ValidationEvent[issue.event] : String(issue.event),
      message: issue.message,
    };
  }

  function validation(json, hostConfig) {
    var card = new AC.AdaptiveCard();
    card.hostConfig = hostConfig;
    var context = new AC.SerializationContext(AC.Versions.v1_5);
    card.parse(json, context);
    var events = [];
    for (var i = 0; i < context.eventCount; i++) {
      events.push(eventText(context.getEventAt(i), "parse"));
    }
    var results = card.validateProperties();
    (results.allIssues || []).forEach(function (issue) {
      events.push(eventText(issue, "validateProperties"));
    });
    return events;
  }

  function squash(text, limit) {
    var t = (text || "").replace(/\s+/g, " ").trim();
    return t.length > limit ? t.slice(0, limit - 1) + "…" : t;
  }

  var KINDS = [
    ["ac-pushButton", "button"],
    ["ac-input", "input"],
    ["ac-factset", "fact"],
    ["ac-textBlock", "text"],
    ["ac-richTextBlock", "text"],
    ["ac-actionSet", "row of buttons"],
    ["ac-columnSet", "columns"],
    ["ac-container", "container"],
  ];

  function describe(node) {
    for (var i = 0; i < KINDS.length; i++) {
      var owner = node.closest("." + KINDS[i][0]);
      if (!owner) continue;
      if (KINDS[i][1] === "input") {
        var label = owner.id && document.querySelector('label[for="' + owner.id + '"]');
        var name = label ? label.innerText : owner.getAttribute("aria-label") || "";
        return 'input "' + squash(name.replace(/\s*\*$/, ""), 60) + '"';
      }
      if (KINDS[i][1] === "fact") {
        return 'fact "' + squash((node.closest("tr") || node).innerText, 60) + '"';
      }
      return KINDS[i][1] + ' "' + squash(owner.innerText || owner.textContent, 60) + '"';
    }
    return node.tagName.toLowerCase() + ' "' + squash(node.innerText || node.textContent, 60) + '"';
  }

  function shown(node) {
    if (!node.getClientRects().length) return false;
    var style = getComputedStyle(node);
    return style.visibility !== "hidden" && style.display !== "none";
  }

  function textWidth(text, style) {
    var ctx = canvas.getContext("2d");
    ctx.font = style.fontWeight + " " + style.fontSize + " " + style.fontFamily;
    return ctx.measureText(text).width;
  }

  function inputProblem(node) {
    var style = getComputedStyle(node);
    var room = node.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    var text = "";
    var what = "";
    if (node.tagName === "SELECT") {
      var option = node.options[node.selectedIndex];
      text = option ? option.text : "";
      what = "choice";
      room -= 20; // the drop-down arrow
    } else if (node.tagName === "INPUT" && ["text", "number", "search", "tel", "email", "url", ""].indexOf(node.type) >= 0) {
      text = node.value || node.placeholder || "";
      what = node.value ? "value" : "placeholder";
      if (node.type === "number") room -= 16; // the spin buttons
    } else {
      return null;
    }
    var needed = textWidth(text, style);
    if (text && needed > room + 1) {
      return (
        describe(node) + ": its " + what + ' "' + squash(text, 60) + '" is cut off (needs ' +
        Math.ceil(needed) + " px, has " + Math.floor(room) + " px)"
      );
    }
    return null;
  }

  function splitWord(block) {
    // A word wider than its text's box is broken across lines ("Engage / ments").
    var style = getComputedStyle(block.querySelector("p, span") || block);
    if (style.whiteSpace === "nowrap" || style.whiteSpace === "pre") return null;
    var outer = getComputedStyle(block);
    var room = block.clientWidth - parseFloat(outer.paddingLeft) - parseFloat(outer.paddingRight);
    var words = (block.innerText || "").split(/\s+/);
    for (var i = 0; i < words.length; i++) {
      var needed = words[i] ? textWidth(words[i], style) : 0;
      if (needed > room + 1) {
        return '"' + squash(words[i], 40) + '" (' + Math.ceil(needed) + " px in " +
          Math.floor(room) + " px)";
      }
    }
    return null;
  }

  function countActions(json) {
    // Buttons the card asks for that are on show in this state (not inside hidden
    // containers, nor inside Action.ShowCard forms, nor a fallback).
    var count = 0;
    function walk(node, hidden) {
      if (Array.isArray(node)) {
        node.forEach(function (n) { walk(n, hidden); });
        return;
      }
      if (!node || typeof node !== "object") return;
      var nowHidden = hidden || node.isVisible === false;
      if (Array.isArray(node.actions) && !nowHidden) count += node.actions.length;
      Object.keys(node).forEach(function (key) {
        if (key === "fallback" || key === "card" || key === "actions") return;
        walk(node[key], nowHidden);
      });
    }
    walk(json, false);
    return count;
  }

  function measure(root, json) {
    var problems = [];
    var box = root.getBoundingClientRect();
    var reported = [];
    function under(node) {
      return reported.some(function (r) { return r.contains(node); });
    }
    Array.prototype.forEach.call(root.querySelectorAll("*"), function (node) {
      if (!shown(node) || under(node)) return;
      var r = node.getBoundingClientRect();
      if (r.width > 0 && (r.right > box.right + 0.5 || r.left < box.left - 0.5)) {
        problems.push(
          describe(node) + " is wider than the card (reaches " + Math.round(r.right - box.left) +
          " px of " + Math.round(box.width) + " px)"
        );
        reported.push(node);
        return;
      }
      if (node.matches("input, textarea, select")) {
        var problem = inputProblem(node);
        if (problem) {
          problems.push(problem);
          reported.push(node);
        }
        return;
      }
      var style = getComputedStyle(node);
      if (CLIPPING.indexOf(style.overflowX) >= 0 && node.scrollWidth > node.clientWidth + 1) {
        var how = style.textOverflow === "ellipsis" ? ", shown with an ellipsis" : "";
        problems.push(
          describe(node) + " is cut off (needs " + node.scrollWidth + " px, has " +
          node.clientWidth + " px" + how + ")"
        );
        reported.push(node);
        return;
      }
      if (CLIPPING.indexOf(style.overflowY) >= 0 && node.scrollHeight > node.clientHeight + 1) {
        problems.push(
          describe(node) + " is clipped (" + node.scrollHeight + " px of content in " +
          node.clientHeight + " px)"
        );
        reported.push(node);
      }
    });
    var split = [];
    Array.prototype.forEach.call(root.querySelectorAll(".ac-textBlock, .ac-richTextBlock"), function (block) {
      if (!shown(block) || under(block)) return;
      var word = splitWord(block);
      if (word) split.push(word);
    });
    if (split.length) {
      problems.push(
        split.length + " text" + (split.length > 1 ? "s break a word" : " breaks a word") +
        " across lines (a word wider than its text): " + split.slice(0, 6).join(", ") +
        (split.length > 6 ? ", …" : "")
      );
    }
    var wanted = countActions(json);
    var buttons = Array.prototype.filter.call(root.querySelectorAll("button"), function (b) {
      return shown(b) && b.closest(".ac-adaptiveCard") === root;
    }).length;
    if (buttons < wanted) {
      problems.push(
        (wanted - buttons) + " of the card's " + wanted + " buttons are not shown (the host " +
        "shows at most " + (window.pcsoHostConfig.actions.maxActions) + " in one action bar)"
      );
    }
    problems.push.apply(problems, droppedValues(root, json));
    return { height: Math.round(box.height), problems: problems };
  }

  function droppedValues(root, json) {
    // An input the card gives a value that the renderer does not show (e.g. a number input
    // whose value is the string "3": the renderer drops it and the box is empty).
    var problems = [];
    function walk(node) {
      if (Array.isArray(node)) return node.forEach(walk);
      if (!node || typeof node !== "object") return;
      var kind = node.type || "";
      var hasValue = node.value !== undefined && node.value !== null && node.value !== "";
      if (hasValue && node.id && /^Input\.(Text|Number|Date|Time|ChoiceSet)$/.test(kind)) {
        var holder = root.querySelector('[id="' + node.id + '"]');
        var field = holder && holder.querySelector("input, textarea, select");
        if (field && shown(field) && !node.isMultiSelect && (field.value === "" || field.value == null)) {
          problems.push(
            'input "' + squash(node.label || node.id, 60) + '": its value ' +
            JSON.stringify(node.value) + " is not shown (the renderer dropped it)"
          );
        }
      }
      Object.keys(node).forEach(function (key) {
        if (key !== "fallback") walk(node[key]);
      });
    }
    walk([json.body || [], json.actions || []]);
    return problems;
  }

  function allVisible(json) {
    var changed = false;
    var copy = JSON.parse(JSON.stringify(json), function (key, value) {
      if (key === "isVisible" && value === false) {
        changed = true;
        return true;
      }
      return value;
    });
    return changed ? copy : null;
  }

  var frames = 0;

  function renderFrame(json, hostConfig, width) {
    var frame = document.createElement("div");
    frame.className = "frame";
    frames += 1;
    frame.dataset.frame = String(frames);
    frame.style.width = width + "px";
    document.getElementById("gallery").appendChild(frame);
    var card = new AC.AdaptiveCard();
    card.hostConfig = hostConfig;
    card.onExecuteAction = function () {};
    card.parse(json, new AC.SerializationContext(AC.Versions.v1_5));
    var root = card.render();
    if (root) frame.appendChild(root);
    return { frame: frame, root: root };
  }

  function result(rendered, json, state, width) {
    if (!rendered.root) {
      return { frame: rendered.frame.dataset.frame, state: state, width: width, height: 0,
               problems: ["the renderer rendered nothing"] };
    }
    var m = measure(rendered.root, json);
    return { frame: rendered.frame.dataset.frame, state: state, width: width,
             height: m.height, problems: m.problems };
  }

  function renderOne(item, hostConfig, widths) {
    var out = { name: item.name, events: [], frames: [] };
    try {
      out.events = validation(item.card, hostConfig);
    } catch (error) {
      out.events = [{ where: "parse", phase: "", event: "Exception", message: String(error) }];
    }
    widths.forEach(function (width) {
      var collapsed = renderFrame(item.card, hostConfig, width);
      out.frames.push(result(collapsed, item.card, "collapsed", width));
      var open = allVisible(item.card);
      if (open) {
        out.frames.push(result(renderFrame(open, hostConfig, width), open, "expanded", width));
      }
      if (!collapsed.root) return;
      var expandable = collapsed.root.querySelectorAll("button.expandable");
      for (var n = 0; n < expandable.length; n++) {
        var shown = renderFrame(item.card, hostConfig, width);
        var button = shown.root.querySelectorAll("button.expandable")[n];
        if (button) button.click();
        out.frames.push(result(shown, item.card, "show-" + (n + 1), width));
      }
    });
    return out;
  }

  window.pcsoGallery = {
    render: function (items, hostConfig, widths) {
      window.pcsoHostConfig = hostConfig;
      var config = new AC.HostConfig(hostConfig);
      document.getElementById("gallery").innerHTML = "";
      return items.map(function (item) {
        try {
          return renderOne(item, config, widths);
        } catch (error) {
          return { name: item.name, events: [], frames: [], error: String(error && error.stack || error) };
        }
      });
    },
  };
})();
