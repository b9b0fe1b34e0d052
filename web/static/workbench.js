// The MLR workbench: page viewer (paging, zoom, thumbnails, keys N and P),
// the rail's tabs, findings and comment threads drawn on the pages, comments
// drawn as a rectangle on a page, replies, Resolve and Reopen, and the wait
// for pages still being prepared. Regions arrive as data-rects attributes
// (JSON lists of {x, y, w, h} in fractions of the page) and are placed with
// CSS custom properties, so no inline style is needed under the site's
// Content-Security-Policy.
(function () {
  "use strict";

  var ZOOMS = [0.5, 0.75, 1, 1.25, 1.5, 2, 3];
  var POLL_MS = 1500;

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  function csrf() {
    var m = $('meta[name="csrf-token"]');
    return m ? m.getAttribute("content") : "";
  }

  function rectsOf(el) {
    try {
      var r = JSON.parse(el.getAttribute("data-rects") || "[]");
      return Array.isArray(r) ? r : [];
    } catch (e) {
      return [];
    }
  }

  function place(el, r) {
    el.style.setProperty("--x", String(r.x));
    el.style.setProperty("--y", String(r.y));
    el.style.setProperty("--w", String(r.w));
    el.style.setProperty("--h", String(r.h));
  }

  // send posts body as JSON and resolves with the decoded answer; a refusal
  // rejects with the server's message.
  function send(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrf() },
      body: JSON.stringify(body || {})
    }).then(function (resp) {
      return resp.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        if (!resp.ok) {
          var msg = "The comment could not be saved (" + resp.status + ").";
          if (data && data.error) {
            msg = data.error.message || msg;
            var f = data.error.fields;
            if (f) { msg += " " + Object.keys(f).map(function (k) { return f[k]; }).join(" "); }
          }
          throw new Error(msg);
        }
        return data;
      });
    });
  }

  function showError(form, err) {
    var p = $("[data-error]", form);
    if (p) {
      p.textContent = err.message;
      p.hidden = false;
    }
  }

  function Workbench(root) {
    this.root = root;
    this.versionURL = "/versions/" + root.getAttribute("data-version");
    this.annotationsURL = root.getAttribute("data-annotations-url");
    this.canComment = root.hasAttribute("data-can-comment");
    this.pagesBox = $(".wb-pages", root);
    this.textBox = $(".wb-text", root);
    this.zoom = 1;
    this.current = 1;
    this.active = null; // the region highlighted: {page, rects}
    this.draft = null;  // the region of the comment being written: {page, rect}
    this.initTabs();
    this.initViewer();
    this.initComments();
    this.initDecision();
    this.drawMarks();
    if (root.getAttribute("data-status") === "pending") { this.poll(); }
  }

  // Tabs of the rail.
  Workbench.prototype.initTabs = function () {
    var tabs = $all('[role="tab"]', this.root);
    var self = this;
    tabs.forEach(function (tab, i) {
      tab.addEventListener("click", function () { self.showTab(tab.id.replace(/^tab-/, "")); });
      tab.addEventListener("keydown", function (ev) {
        var d = ev.key === "ArrowRight" ? 1 : ev.key === "ArrowLeft" ? -1 : 0;
        if (!d) { return; }
        ev.preventDefault();
        var next = tabs[(i + d + tabs.length) % tabs.length];
        next.focus();
        self.showTab(next.id.replace(/^tab-/, ""));
      });
    });
    // Findings first when there are any, else the comments.
    this.showTab($(".wb-finding", this.root) || !$("#tab-comments", this.root) ? "findings" : "comments");
  };

  Workbench.prototype.showTab = function (name) {
    $all('[role="tab"]', this.root).forEach(function (tab) {
      var on = tab.id === "tab-" + name;
      tab.setAttribute("aria-selected", on ? "true" : "false");
      tab.tabIndex = on ? 0 : -1;
      var panel = document.getElementById(tab.getAttribute("aria-controls"));
      if (panel) { panel.hidden = !on; }
    });
  };

  // The page viewer.
  Workbench.prototype.initViewer = function () {
    var self = this;
    $all("[data-act]", this.root).forEach(function (b) {
      b.addEventListener("click", function (ev) { self.act(b.getAttribute("data-act"), b, ev); });
    });
    $all("[data-goto]", this.root).forEach(function (b) { self.bindThumb(b); });
    if (this.pagesBox) {
      var ticking = false;
      this.pagesBox.addEventListener("scroll", function () {
        if (ticking) { return; }
        ticking = true;
        window.requestAnimationFrame(function () { ticking = false; self.trackPage(); });
      });
      $all(".wb-sheet", this.pagesBox).forEach(function (s) { self.bindDrawing(s); });
    }
    document.addEventListener("keydown", function (ev) {
      if (ev.altKey || ev.ctrlKey || ev.metaKey) { return; }
      var t = ev.target;
      if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) { return; }
      if (ev.key === "n" || ev.key === "N") { self.goTo(self.current + 1); ev.preventDefault(); }
      if (ev.key === "p" || ev.key === "P") { self.goTo(self.current - 1); ev.preventDefault(); }
    });
    this.trackPage();
  };

  Workbench.prototype.bindThumb = function (b) {
    var self = this;
    b.addEventListener("click", function () { self.goTo(parseInt(b.getAttribute("data-goto"), 10)); });
  };

  Workbench.prototype.pageCount = function () {
    return $all("[data-page].wb-page, [data-page].wb-text-page", this.root).length;
  };

  Workbench.prototype.pageEl = function (n) {
    return document.getElementById("page-" + n);
  };

  Workbench.prototype.act = function (what, button) {
    switch (what) {
    case "prev": this.goTo(this.current - 1); break;
    case "next": this.goTo(this.current + 1); break;
    case "zoom-in": this.setZoom(ZOOMS[Math.min(ZOOMS.indexOf(this.zoom) + 1, ZOOMS.length - 1)]); break;
    case "zoom-out": this.setZoom(ZOOMS[Math.max(ZOOMS.indexOf(this.zoom) - 1, 0)]); break;
    case "fit": this.setZoom(1); break;
    case "comment-page":
      var page = parseInt(button.getAttribute("data-page") || String(this.current), 10);
      this.startComment(page, { x: 0, y: 0, w: 1, h: 1 }, true);
      break;
    case "cancel-comment": this.cancelComment(); break;
    case "mark": this.setMarking(button.getAttribute("aria-pressed") !== "true"); break;
    case "resolve":
    case "reopen":
      this.setState(button, what);
      break;
    }
  };

  Workbench.prototype.goTo = function (n) {
    var count = this.pageCount();
    if (!count) { return; }
    n = Math.max(1, Math.min(count, n));
    var el = this.pageEl(n);
    if (!el) { return; }
    var box = this.pagesBox || this.textBox;
    if (box) { box.scrollTop = el.offsetTop - box.offsetTop - 8; }
    this.setCurrent(n);
  };

  Workbench.prototype.setCurrent = function (n) {
    this.current = n;
    var cur = $("[data-current]", this.root);
    if (cur) { cur.textContent = String(n); }
    $all("[data-goto]", this.root).forEach(function (b) {
      if (parseInt(b.getAttribute("data-goto"), 10) === n) {
        b.setAttribute("aria-current", "page");
      } else {
        b.removeAttribute("aria-current");
      }
    });
  };

  // trackPage makes the page that fills most of the viewer the current one.
  Workbench.prototype.trackPage = function () {
    var box = this.pagesBox;
    if (!box) { return; }
    var top = box.getBoundingClientRect().top, mid = top + box.clientHeight * 0.4;
    var best = 1;
    $all(".wb-page", box).forEach(function (p) {
      var r = p.getBoundingClientRect();
      if (r.top <= mid) { best = parseInt(p.getAttribute("data-page"), 10); }
    });
    this.setCurrent(best);
  };

  Workbench.prototype.setZoom = function (z) {
    if (!this.pagesBox) { return; }
    var page = this.current;
    this.zoom = z;
    this.pagesBox.style.setProperty("--wb-zoom", String(z));
    var label = $("[data-zoom-label]", this.root);
    if (label) { label.textContent = Math.round(z * 100) + "%"; }
    this.goTo(page);
  };

  // drawMarks draws the comment threads on the pages: a box per region
  // and a numbered pin, and the highlighted region if any.
  Workbench.prototype.drawMarks = function () {
    var self = this;
    $all(".wb-marks", this.root).forEach(function (m) { m.textContent = ""; });
    $all(".wb-thread[data-thread]", this.root).forEach(function (t) {
      var page = t.getAttribute("data-page");
      var marks = $('#page-' + page + " .wb-marks", self.root);
      if (!marks) { return; }
      var rects = rectsOf(t);
      var resolved = t.getAttribute("data-state") === "resolved";
      rects.forEach(function (r) {
        var box = document.createElement("div");
        box.className = "wb-box wb-box-thread" + (resolved ? " wb-box-resolved" : "");
        place(box, r);
        marks.appendChild(box);
      });
      if (rects.length) {
        var pin = document.createElement("button");
        pin.type = "button";
        pin.tabIndex = -1;
        pin.className = "wb-pin" + (resolved ? " wb-pin-resolved" : "");
        pin.textContent = t.getAttribute("data-number");
        pin.title = "Comment " + t.getAttribute("data-number");
        place(pin, rects[0]);
        pin.addEventListener("pointerdown", function (ev) { ev.stopPropagation(); });
        pin.addEventListener("click", function () { self.openThread(t); });
        marks.appendChild(pin);
      }
    });
    if (this.active) { this.drawHighlight(); }
  };

  Workbench.prototype.drawHighlight = function () {
    $all(".wb-hl", this.root).forEach(function (h) { h.remove(); });
    var a = this.active;
    var marks = a && $("#page-" + a.page + " .wb-marks", this.root);
    if (!marks) { return null; }
    var first = null;
    a.rects.forEach(function (r) {
      var hl = document.createElement("div");
      hl.className = "wb-box wb-hl wb-hl-" + a.kind;
      place(hl, r);
      marks.appendChild(hl);
      first = first || hl;
    });
    return first;
  };

  // jump shows a finding's or thread's page and highlights its regions.
  Workbench.prototype.jump = function (el) {
    var page = parseInt(el.getAttribute("data-page"), 10) || 1;
    $all(".wb-jump[aria-current]", this.root).forEach(function (b) { b.removeAttribute("aria-current"); });
    el.setAttribute("aria-current", "true");
    this.active = { page: page, rects: rectsOf(el), kind: el.getAttribute("data-kind") || "finding" };
    this.goTo(page);
    var first = this.drawHighlight();
    if (first && this.pagesBox) {
      var box = this.pagesBox, r = first.getBoundingClientRect(), b = box.getBoundingClientRect();
      box.scrollTop += r.top - b.top - box.clientHeight / 3;
      box.scrollLeft += r.left - b.left - box.clientWidth / 3;
    }
  };

  Workbench.prototype.openThread = function (t) {
    this.showTab("comments");
    var jump = $(".wb-jump", t);
    if (jump) { this.jump(jump); }
    t.scrollIntoView({ block: "nearest" });
    t.classList.add("wb-flash");
    window.setTimeout(function () { t.classList.remove("wb-flash"); }, 1200);
  };

  // setMarking turns on or off the marking of a region by touch: a finger
  // or pen on a page draws instead of scrolling. A mouse always draws.
  Workbench.prototype.setMarking = function (on) {
    this.root.classList.toggle("wb-marking", on);
    $all('[data-act="mark"]', this.root).forEach(function (b) { b.setAttribute("aria-pressed", on ? "true" : "false"); });
  };

  // Drawing a comment's region with the mouse, a pen or a finger.
  Workbench.prototype.bindDrawing = function (sheet) {
    if (!this.canComment) { return; }
    var self = this;
    var start = null, box = null;
    function at(ev) {
      var r = sheet.getBoundingClientRect();
      return {
        x: Math.max(0, Math.min(1, (ev.clientX - r.left) / r.width)),
        y: Math.max(0, Math.min(1, (ev.clientY - r.top) / r.height))
      };
    }
    function region(p) {
      return { x: Math.min(start.x, p.x), y: Math.min(start.y, p.y), w: Math.abs(p.x - start.x), h: Math.abs(p.y - start.y) };
    }
    sheet.addEventListener("pointerdown", function (ev) {
      if (ev.button !== 0 || (ev.pointerType !== "mouse" && !self.root.classList.contains("wb-marking"))) { return; }
      ev.preventDefault();
      start = at(ev);
      sheet.setPointerCapture(ev.pointerId);
      $all(".wb-draft", self.root).forEach(function (d) { d.remove(); });
      box = document.createElement("div");
      box.className = "wb-box wb-draft";
      place(box, { x: start.x, y: start.y, w: 0, h: 0 });
      $(".wb-marks", sheet).appendChild(box);
    });
    sheet.addEventListener("pointermove", function (ev) {
      if (!start) { return; }
      place(box, region(at(ev)));
    });
    function end(ev, cancelled) {
      if (!start) { return; }
      var r = region(at(ev));
      start = null;
      if (cancelled || r.w < 0.01 || r.h < 0.005) {
        box.remove();
        return;
      }
      var page = parseInt(sheet.parentNode.getAttribute("data-page"), 10);
      self.setMarking(false);
      self.startComment(page, r, false);
    }
    sheet.addEventListener("pointerup", function (ev) { end(ev, false); });
    sheet.addEventListener("pointercancel", function (ev) { end(ev, true); });
  };

  // Comments.
  Workbench.prototype.initComments = function () {
    var self = this;
    $all(".wb-findings .wb-jump", this.root).forEach(function (b) {
      b.addEventListener("click", function () { self.jump(b); });
    });
    var form = $(".wb-new-comment", this.root);
    if (form) {
      form.addEventListener("submit", function (ev) {
        ev.preventDefault();
        self.saveComment(form);
      });
    }
    this.bindThreads();
  };

  Workbench.prototype.bindThreads = function () {
    var self = this;
    $all(".wb-threads .wb-jump", this.root).forEach(function (b) {
      b.addEventListener("click", function () { self.jump(b); });
    });
    $all(".wb-threads [data-act]", this.root).forEach(function (b) {
      b.addEventListener("click", function () { self.act(b.getAttribute("data-act"), b); });
    });
    $all(".wb-reply", this.root).forEach(function (f) {
      f.addEventListener("submit", function (ev) {
        ev.preventDefault();
        self.saveReply(f);
      });
    });
  };

  Workbench.prototype.startComment = function (page, rect, wholePage) {
    var form = $(".wb-new-comment", this.root);
    if (!form) { return; }
    this.draft = { page: page, rect: rect };
    this.showTab("comments");
    form.hidden = false;
    $("[data-where]", form).textContent = wholePage ? "New comment on page " + page + " as a whole" :
      "New comment on the marked region of page " + page;
    var err = $("[data-error]", form);
    err.hidden = true;
    var body = $("textarea", form);
    form.scrollIntoView({ block: "nearest" });
    body.focus();
  };

  Workbench.prototype.cancelComment = function () {
    var form = $(".wb-new-comment", this.root);
    if (form) {
      form.hidden = true;
      form.reset();
    }
    this.draft = null;
    $all(".wb-draft", this.root).forEach(function (d) { d.remove(); });
  };

  Workbench.prototype.saveComment = function (form) {
    var self = this;
    var body = $("textarea", form).value.trim();
    if (!this.draft) { return; }
    if (!body) {
      showError(form, new Error("Write your comment first."));
      return;
    }
    var button = $('button[type="submit"]', form);
    button.disabled = true;
    send(this.annotationsURL, { page: this.draft.page, rect: this.draft.rect, quote: "", body: body, parent_id: null })
      .then(function (a) {
        self.cancelComment();
        return self.refreshThreads(a && a.id);
      })
      .catch(function (err) { showError(form, err); })
      .then(function () { button.disabled = false; });
  };

  Workbench.prototype.saveReply = function (form) {
    var self = this;
    var area = $("textarea", form);
    var body = area.value.trim();
    if (!body) {
      showError(form, new Error("Write your reply first."));
      area.focus();
      return;
    }
    var thread = form.closest(".wb-thread");
    var rect = { x: 0, y: 0, w: 1, h: 1 };
    try { rect = JSON.parse(thread.getAttribute("data-rect"))[0] || rect; } catch (e) { /* keep the whole page */ }
    var button = $('button[type="submit"]', form);
    button.disabled = true;
    send(this.annotationsURL, {
      page: parseInt(form.getAttribute("data-page"), 10) || 1, rect: rect, quote: "", body: body,
      parent_id: form.getAttribute("data-parent")
    })
      .then(function () { return self.refreshThreads(form.getAttribute("data-parent")); })
      .catch(function (err) {
        showError(form, err);
        button.disabled = false;
      });
  };

  Workbench.prototype.setState = function (button, what) {
    var self = this;
    var id = button.getAttribute("data-id");
    button.disabled = true;
    send("/annotations/" + encodeURIComponent(id) + "/" + what, {})
      .then(function () { return self.refreshThreads(id); })
      .catch(function (err) {
        showError(button.closest("form"), err);
        button.disabled = false;
      });
  };

  // refreshThreads reloads the thread list from the server's own page, so
  // that threads are rendered in one place, and draws them again.
  Workbench.prototype.refreshThreads = function (focusID) {
    var self = this;
    return fetch(window.location.pathname, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (resp) {
        if (!resp.ok) { throw new Error("The comments could not be reloaded (" + resp.status + ")."); }
        return resp.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = $(".wb-threads", doc), old = $(".wb-threads", self.root);
        if (!fresh || !old) { return; }
        old.replaceWith(document.importNode(fresh, true));
        var count = $("#tab-comments .wb-count", doc), oldCount = $("#tab-comments .wb-count", self.root);
        if (count && oldCount) { oldCount.replaceWith(document.importNode(count, true)); }
        self.bindThreads();
        self.drawMarks();
        var t = focusID && document.getElementById("thread-" + focusID);
        if (t) { self.openThread(t); }
      });
  };

  // Pages still being prepared: ask again every 1.5 s, add the pages that
  // are ready, and reload once all are, so that findings are placed.
  Workbench.prototype.poll = function () {
    var self = this;
    var url = this.root.getAttribute("data-pages-url");
    window.setTimeout(function () {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (resp) {
          if (!resp.ok) { throw new Error(String(resp.status)); }
          return resp.json();
        })
        .then(function (r) {
          (r.pages || []).forEach(function (p) { self.addPage(p); });
          if (r.status === "pending") {
            self.poll();
          } else if (self.typing()) {
            // Keep what the user is writing; findings are placed on the
            // next visit.
            self.root.setAttribute("data-status", r.status);
            $all("[data-pending]", self.root).forEach(function (p) { p.remove(); });
          } else {
            window.location.reload();
          }
        })
        .catch(function () { self.poll(); });
    }, POLL_MS);
  };

  // typing reports whether the user has written into any field.
  Workbench.prototype.typing = function () {
    return $all("textarea, input[type=password]", this.root).some(function (f) { return f.value !== ""; });
  };

  // The decision panel: a request for changes needs no signature, and the
  // meaning offered follows the decision until the user writes their own.
  Workbench.prototype.initDecision = function () {
    var form = $(".wb-decision[data-approve-meaning]", this.root);
    if (!form) { return; }
    var meaning = $("#decision-meaning", form), sign = $(".wb-sign", form), button = $('button[type="submit"]', form);
    var offered = meaning.value;
    $all('input[name="decision"]', form).forEach(function (r) {
      r.addEventListener("change", function () {
        sign.hidden = r.value === "request_changes";
        button.textContent = sign.hidden ? "Record decision" : "Sign and record decision";
        var want = form.getAttribute(r.value === "reject" ? "data-reject-meaning" : "data-approve-meaning");
        if (meaning.value === offered && want) {
          meaning.value = want;
          offered = want;
        }
      });
    });
  };

  Workbench.prototype.addPage = function (p) {
    if (this.pageEl(p.number) || !this.pagesBox) { return; }
    var version = this.root.getAttribute("data-version-number") || "";
    var fig = document.createElement("figure");
    fig.className = "wb-page";
    fig.id = "page-" + p.number;
    fig.setAttribute("data-page", String(p.number));
    var sheet = document.createElement("div");
    sheet.className = "wb-sheet";
    var img = document.createElement("img");
    img.src = p.image;
    img.alt = "Page " + p.number + (version ? " of version " + version : "");
    img.width = Math.round(p.width) || 612;
    img.height = Math.round(p.height) || 792;
    img.draggable = false;
    var marks = document.createElement("div");
    marks.className = "wb-marks";
    marks.setAttribute("aria-hidden", "true");
    sheet.appendChild(img);
    sheet.appendChild(marks);
    var cap = document.createElement("figcaption");
    cap.textContent = "Page " + p.number;
    fig.appendChild(sheet);
    fig.appendChild(cap);
    var after = null;
    $all(".wb-page", this.pagesBox).forEach(function (f) {
      if (!after && parseInt(f.getAttribute("data-page"), 10) > p.number) { after = f; }
    });
    this.pagesBox.insertBefore(fig, after);
    this.bindDrawing(sheet);

    var thumbs = $(".wb-thumbs", this.root);
    if (thumbs) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "wb-thumb";
      b.setAttribute("data-goto", String(p.number));
      b.setAttribute("aria-label", "Page " + p.number);
      var ti = document.createElement("img");
      ti.src = p.thumbnail;
      ti.alt = "";
      var n = document.createElement("span");
      n.textContent = String(p.number);
      b.appendChild(ti);
      b.appendChild(n);
      thumbs.appendChild(b);
      this.bindThumb(b);
    }
    var count = $("[data-count]", this.root);
    if (count) { count.textContent = String(this.pageCount()); }
    this.drawMarks();
  };

  // The compare page waits for both versions' pages in the same way and
  // shows the comparison again once they are all made.
  function pollCompare(root) {
    var urls = root.getAttribute("data-pages-urls").split(" ");
    window.setTimeout(function () {
      Promise.all(urls.map(function (u) {
        return fetch(u, { credentials: "same-origin", headers: { "Accept": "application/json" } }).then(function (r) {
          if (!r.ok) { throw new Error(String(r.status)); }
          return r.json();
        });
      })).then(function (all) {
        if (all.some(function (r) { return r.status === "pending"; })) {
          pollCompare(root);
        } else {
          window.location.reload();
        }
      }).catch(function () { pollCompare(root); });
    }, POLL_MS);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var root = $(".wb");
    if (root) { root.workbench = new Workbench(root); }
    var cmp = $(".cmp[data-pending]");
    if (cmp) { pollCompare(cmp); }
  });
})();
