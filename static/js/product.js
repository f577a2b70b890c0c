// The product page, better with JavaScript: the price, stock, picture and buy form
// follow the option pickers without a reload, and the gallery's thumbnails swap the
// large picture. Without it the pickers are a GET form and the thumbnails links, and
// the server refuses what cannot be bought either way.
(function () {
  "use strict";
  var source = document.getElementById("product-variants");
  if (!source) return;
  var data = JSON.parse(source.textContent);
  var picker = document.querySelector("[data-option-picker]");
  var selects = picker ? Array.prototype.slice.call(picker.querySelectorAll("select[data-option]")) : [];
  var price = document.getElementById("variant-price");
  var stock = document.getElementById("variant-stock");
  var sku = document.getElementById("variant-sku");
  var buyArea = document.getElementById("buy-area");
  var buyTemplate = document.getElementById("buy-form-template");
  var mainImage = document.getElementById("gallery-image");
  var thumbs = Array.prototype.slice.call(document.querySelectorAll(".gallery-thumbs [data-image-id]"));

  function choice() {
    var chosen = {};
    selects.forEach(function (select) {
      chosen[select.getAttribute("data-option")] = select.value;
    });
    return chosen;
  }

  function variantFor(chosen) {
    for (var i = 0; i < data.variants.length; i++) {
      var variant = data.variants[i];
      var fits = data.options.every(function (name) {
        return variant.options[name] === chosen[name];
      });
      if (fits) return variant;
    }
    return null;
  }

  function stockText(variant) {
    if (!variant) return ["This combination is not available.", "out"];
    if (variant.stock <= 0) return ["Sold out", "out"];
    if (variant.stock <= data.low_stock) return ["Only " + variant.stock + " left in stock", "low"];
    return ["In stock", ""];
  }

  function showImage(link) {
    if (!mainImage || !link) return;
    mainImage.src = link.getAttribute("data-src");
    mainImage.srcset = link.getAttribute("data-srcset");
    mainImage.alt = link.getAttribute("data-alt");
    thumbs.forEach(function (thumb) {
      if (thumb === link) thumb.setAttribute("aria-current", "true");
      else thumb.removeAttribute("aria-current");
    });
  }

  function showBuyForm(variant) {
    var form = buyArea.querySelector("form");
    if (variant && variant.stock > 0) {
      if (!form && buyTemplate) {
        buyArea.textContent = "";
        buyArea.appendChild(document.importNode(buyTemplate.content, true));
        form = buyArea.querySelector("form");
      }
      if (!form) return;
      form.querySelector("[name=variant_id]").value = variant.id;
      var quantity = form.querySelector("[name=quantity]");
      quantity.max = variant.stock;
      if (Number(quantity.value) > variant.stock) quantity.value = variant.stock;
      var next = form.querySelector("[name=next]");
      if (next) next.value = window.location.pathname + window.location.search;
    } else {
      var notice = document.createElement("p");
      notice.className = "muted buy-notice";
      notice.textContent = variant
        ? "This is sold out right now. Check back soon."
        : "This combination is not made. Choose another.";
      buyArea.textContent = "";
      buyArea.appendChild(notice);
    }
  }

  // Each value's label says what choosing it would give with the other options kept.
  function labelValues(chosen) {
    selects.forEach(function (select) {
      var name = select.getAttribute("data-option");
      Array.prototype.forEach.call(select.options, function (option) {
        var other = Object.assign({}, chosen);
        other[name] = option.value;
        var found = variantFor(other);
        var state = !found ? "missing" : found.stock > 0 ? "ok" : "sold_out";
        option.setAttribute("data-state", state);
        option.textContent =
          option.value + (state === "sold_out" ? " — sold out" : state === "missing" ? " — not available" : "");
      });
    });
  }

  function update() {
    var chosen = choice();
    var variant = variantFor(chosen);
    var params = new URLSearchParams(chosen);
    window.history.replaceState(null, "", "?" + params.toString());
    price.textContent = variant ? variant.price : data.from_price;
    var text = stockText(variant);
    stock.textContent = text[0];
    stock.className = "stock" + (text[1] ? " " + text[1] : "");
    if (sku) sku.textContent = variant ? variant.sku : "—";
    if (variant && variant.image) {
      showImage(thumbs.filter(function (t) {
        return t.getAttribute("data-image-id") === String(variant.image);
      })[0]);
    }
    thumbs.forEach(function (thumb) {  // a thumbnail's link keeps the choice
      thumb.href = "?" + params.toString() + "&image=" + thumb.getAttribute("data-image-id");
    });
    showBuyForm(variant);
    labelValues(chosen);
  }

  if (picker) {
    var submit = picker.querySelector("[data-picker-submit]");
    if (submit) submit.hidden = true; // the page follows the choice by itself
    selects.forEach(function (select) {
      select.addEventListener("change", update);
    });
  }
  thumbs.forEach(function (thumb) {
    thumb.addEventListener("click", function (event) {
      event.preventDefault();
      showImage(thumb);
    });
  });
})();
