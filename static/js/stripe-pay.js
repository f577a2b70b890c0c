// The order page's card form: Stripe's Payment Element, mounted with the order's
// PaymentIntent; confirmPayment sends the buyer back to the order page, which shows the
// payment as processing until Stripe's webhook marks the order paid.
(function () {
  "use strict";
  var form = document.getElementById("stripe-pay");
  if (!form || typeof Stripe === "undefined") return;
  var stripe = Stripe(form.dataset.stripeKey);
  var elements = stripe.elements({ clientSecret: form.dataset.clientSecret });
  elements.create("payment").mount("#payment-element");
  var message = document.getElementById("payment-message");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    stripe
      .confirmPayment({ elements: elements, confirmParams: { return_url: form.dataset.returnUrl } })
      .then(function (result) {
        // Only reached on an error: success leaves for return_url.
        if (result && result.error) {
          message.textContent = result.error.message || "The payment did not go through.";
          message.hidden = false;
          button.disabled = false;
        }
      });
  });
})();
