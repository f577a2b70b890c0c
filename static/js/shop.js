// Small progressive enhancements; every page works without JavaScript.
(function () {
  "use strict";
  // A form marked data-submit-once disables its buttons after the first submit, so a
  // double click sends one request (the server's one-time token is the real guarantee).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-submit-once")) return;
    if (form.dataset.submitted) {
      event.preventDefault();
      return;
    }
    form.dataset.submitted = "1";
    window.setTimeout(function () {
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        button.disabled = true;
      });
    }, 0);
  });
  // A category's sub-menu that would pass the window's right edge opens leftwards.
  document.querySelectorAll(".category-nav li").forEach(function (item) {
    var menu = item.querySelector(":scope > .sub");
    if (!menu) return;
    function place() {
      menu.classList.remove("flip");
      if (menu.getBoundingClientRect().right > document.documentElement.clientWidth) {
        menu.classList.add("flip");
      }
    }
    item.addEventListener("mouseenter", place);
    item.addEventListener("focusin", place);
  });
  // A form marked data-refresh-on="name ..." presses its data-refresh button (a re-render
  // by the server, e.g. the checkout's shipping methods and total) when one of those
  // fields changes; without JavaScript the shopper presses it.
  // The field that changed gets the focus back on the new page, so that a keyboard user
  // moving through the choices with the arrow keys carries on where they were.
  // (Once the page has loaded: focused earlier, while Chromium was still moving to the
  // page's #fragment, the field did not keep it.)
  var REFOCUS = "shop:refocus";
  window.addEventListener("load", function () {
    try {
      var refocus = window.sessionStorage.getItem(REFOCUS);
      window.sessionStorage.removeItem(REFOCUS);
      if (refocus && document.getElementById(refocus)) {
        document.getElementById(refocus).focus();
      }
    } catch (e) { /* storage refused: the focus simply starts at the top */ }
  });
  document.querySelectorAll("form[data-refresh-on]").forEach(function (form) {
    var names = form.getAttribute("data-refresh-on").split(/\s+/);
    var button = form.querySelector("[data-refresh]");
    if (!button) return;
    form.addEventListener("change", function (event) {
      if (names.indexOf(event.target.name) === -1 || form.dataset.submitted) return;
      try {
        if (event.target.id) window.sessionStorage.setItem(REFOCUS, event.target.id);
      } catch (e) { /* no storage: no focus kept */ }
      if (form.requestSubmit) form.requestSubmit(button);
      else button.click();
    });
  });
  // Sorting submits itself when changed.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      select.form.submit();
    });
  });
})();
