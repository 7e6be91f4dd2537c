/*
 * The supervision tab's shell (docs/guide.md, "The supervision tab").
 *
 * It signs in, asks the service who is signed in (api/me) for the header and the
 * navigation, and shows the page the address's fragment names: "#overview",
 * "#overview?team=3", "#review?team=3&date=2026-12-01", "#officer?collar=P301", "#week".
 * Links inside a page are such fragments, so following them, and the back button, are the
 * browser's own navigation. Every call to the API carries the sign-in token in the
 * Authorization header; the service keeps no session and sets no cookie.
 *
 * A page is the service's HTML fragment under its title (an <h1>, unless the fragment
 * starts with a heading saying the same).
 *
 * Signing in depends on the service's mode (the page's data-mode):
 *  - "teams": Teams single sign-on with the vendored @microsoft/teams-js
 *    (app.initialize, then authentication.getAuthToken for each call; Teams caches it);
 *  - "local": a link from `pcso-bot dashboard link`, whose token comes in the fragment
 *    ("#link=…"). It is moved at once out of the address (and so out of the history) into
 *    this tab's sessionStorage, and used until it expires.
 *
 * Anything refused is said in words (the service's own, from its JSON answer).
 *
 * Presentation: in Teams the page follows Teams' theme (data-theme on <html>, which
 * tab.css reads; elsewhere the system's light or dark preference), and "Skip to the page"
 * moves the keyboard focus to the page without touching the address.
 */
(function () {
  "use strict";

  var LINK_KEY = "pcso-bot.tab-link";
  var LINK_PREFIX = "#link=";
  var TEAMS_TIMEOUT_MS = 10000;
  var NEW_LINK = "Run pcso-bot dashboard link --as YOUR-COLLAR again and open the new link.";

  var body = document.body;
  var main = document.getElementById("main");
  var who = document.getElementById("who");
  var nav = document.getElementById("nav");
  var skip = document.getElementById("skip");
  var memory = {}; // where the link is kept if sessionStorage is not available
  var me = null;
  var getToken = null;
  var shown = 0; // the latest page asked for: an older answer arriving late is dropped

  function TabError(message, status, reason) {
    this.message = message;
    this.status = status || 0;
    this.reason = reason || "";
  }

  function store(key, value) {
    try {
      if (value === null) {
        window.sessionStorage.removeItem(key);
      } else {
        window.sessionStorage.setItem(key, value);
      }
    } catch (e) {
      memory[key] = value;
    }
  }

  function stored(key) {
    try {
      return window.sessionStorage.getItem(key);
    } catch (e) {
      return memory[key] || null;
    }
  }

  function notice(message, kind) {
    var paragraph = document.createElement("p");
    paragraph.className = "shell-notice" + (kind ? " shell-" + kind : "");
    paragraph.textContent = message;
    main.replaceChildren(paragraph);
    main.removeAttribute("aria-busy");
  }

  function fail(error) {
    var message = error instanceof TabError ? error.message : "Something went wrong in the tab.";
    notice(message, "error");
    if (!me) {
      who.textContent = "Not signed in";
    }
  }

  // Signing in

  function linkSignIn() {
    if (location.hash.indexOf(LINK_PREFIX) === 0) {
      store(LINK_KEY, decodeURIComponent(location.hash.slice(LINK_PREFIX.length)));
      history.replaceState(null, "", location.pathname + location.search);
    }
    if (!stored(LINK_KEY)) {
      return Promise.reject(new TabError(
        "You are not signed in. Open the link that pcso-bot dashboard link prints (it works for " +
        "15 minutes)."
      ));
    }
    return Promise.resolve(function () {
      var token = stored(LINK_KEY);
      return token ? Promise.resolve(token) : Promise.reject(new TabError(NEW_LINK, 401));
    });
  }

  function loadScript(source) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = source;
      script.onload = resolve;
      script.onerror = function () {
        reject(new TabError("The tab could not load its Teams library: reload the tab."));
      };
      document.head.appendChild(script);
    });
  }

  function within(promise, milliseconds, message) {
    return new Promise(function (resolve, reject) {
      var timer = setTimeout(function () {
        reject(new TabError(message));
      }, milliseconds);
      promise.then(function (value) {
        clearTimeout(timer);
        resolve(value);
      }, function (error) {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  function teamsSignIn() {
    var outside = "This tab works inside Microsoft Teams: open the Supervision tab there.";
    return loadScript(body.getAttribute("data-teams-js")).then(function () {
      return within(window.microsoftTeams.app.initialize(), TEAMS_TIMEOUT_MS, outside);
    }).then(function () {
      return function () {
        return window.microsoftTeams.authentication.getAuthToken().catch(function (reason) {
          throw new TabError(
            "Teams could not sign you in to the tab (" + String(reason && reason.message || reason) +
            "): close the tab and open it again."
          );
        });
      };
    }, function (error) {
      throw error instanceof TabError ? error : new TabError(outside);
    });
  }

  // The API

  function api(path) {
    return getToken().then(function (token) {
      return fetch(new URL(path, document.baseURI), {
        headers: { Authorization: "Bearer " + token, Accept: "application/json" },
        credentials: "omit",
        cache: "no-store",
        referrerPolicy: "no-referrer"
      }).catch(function () {
        throw new TabError("The tab cannot reach the bot's service: check the connection and try again.");
      });
    }).then(function (response) {
      return response.json().catch(function () {
        return {};
      }).then(function (answer) {
        if (response.ok) {
          return answer;
        }
        if (response.status === 401 && body.getAttribute("data-mode") === "local") {
          store(LINK_KEY, null);
        }
        throw new TabError(
          answer.error || "The service refused the request (" + response.status + ").",
          response.status,
          answer.reason
        );
      });
    });
  }

  // The header, the navigation and the pages

  function wanted() {
    var fragment = location.hash.replace(/^#/, "");
    var mark = fragment.indexOf("?");
    return {
      name: mark < 0 ? fragment : fragment.slice(0, mark),
      query: mark < 0 ? "" : new URLSearchParams(fragment.slice(mark + 1)).toString()
    };
  }

  function showHeader() {
    who.textContent = me.name + " (" + me.collar + ") · " + me.role_name;
    var links = me.nav.map(function (item) {
      var link = document.createElement("a");
      link.href = item.href;
      link.textContent = item.label;
      return link;
    });
    nav.replaceChildren.apply(nav, links);
  }

  function parsed(fragment) {
    var mark = fragment.indexOf("?");
    return {
      name: (mark < 0 ? fragment : fragment.slice(0, mark)).replace(/^#/, ""),
      params: new URLSearchParams(mark < 0 ? "" : fragment.slice(mark + 1))
    };
  }

  function isHere(href, here) {
    // The same page with the parameters the link names: "#review?team=3" is where you are
    // on any day's review of team 3, "#overview" on the overview of any of your teams.
    var link = parsed(href);
    var page = parsed(here);
    if (link.name !== page.name) {
      return false;
    }
    var same = true;
    link.params.forEach(function (value, key) {
      same = same && page.params.get(key) === value;
    });
    return same;
  }

  function markNavigation() {
    var here = location.hash;
    Array.prototype.forEach.call(nav.querySelectorAll("a"), function (link) {
      if (isHere(link.getAttribute("href") || "", here)) {
        link.setAttribute("aria-current", "page");
      } else {
        link.removeAttribute("aria-current");
      }
    });
  }

  function show() {
    var page = wanted();
    if (!page.name) {
      location.replace("#" + me.home);
      return;
    }
    markNavigation();
    if (!/^[a-z_]{1,20}$/.test(page.name)) {
      notice("There is no such page in the tab.", "error");
      return;
    }
    var ticket = ++shown;
    main.setAttribute("aria-busy", "true");
    api("api/page/" + page.name + (page.query ? "?" + page.query : "")).then(function (answer) {
      if (ticket !== shown) {
        return;
      }
      main.innerHTML = answer.html; // the service's HTML, escaped where it is made
      var first = main.querySelector("h1, h2");
      if (!first || first.textContent.trim() !== answer.title.trim()) {
        var heading = document.createElement("h1"); // unless the page starts with its title
        heading.className = "shell-title-line";
        heading.textContent = answer.title;
        main.insertBefore(heading, main.firstChild);
      }
      main.removeAttribute("aria-busy");
      document.title = answer.title + " · Supervision";
      main.focus({ preventScroll: true });
      window.scrollTo(0, 0);
    }, function (error) {
      if (ticket === shown) {
        fail(error);
      }
    });
  }

  // Presentation

  function setTheme(theme) {
    if (/^(default|dark|contrast)$/.test(String(theme))) {
      document.documentElement.setAttribute("data-theme", theme);
    }
  }

  function followTeamsTheme() {
    var teams = window.microsoftTeams;
    try {
      teams.app.getContext().then(function (context) {
        setTheme(context && context.app && context.app.theme);
      }, function () {});
      teams.app.registerOnThemeChangeHandler(setTheme);
    } catch (e) {
      // the system's preference stays (tab.css)
    }
  }

  function skipToPage(event) {
    event.preventDefault(); // the fragment names the page shown: leave it as it is
    main.focus();
  }

  function start() {
    if (skip) {
      skip.addEventListener("click", skipToPage);
    }
    var signIn = body.getAttribute("data-mode") === "teams" ? teamsSignIn : linkSignIn;
    signIn().then(function (tokens) {
      getToken = tokens;
      return api("api/me");
    }).then(function (answer) {
      if (window.microsoftTeams && body.getAttribute("data-mode") === "teams") {
        followTeamsTheme();
      }
      me = answer;
      showHeader();
      window.addEventListener("hashchange", show);
      show();
    }).catch(fail);
  }

  start();
})();
