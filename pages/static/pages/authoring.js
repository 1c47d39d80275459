/* Question form: show only the key fields of the chosen type (fields marked data-for-types).
   Without JavaScript every field shows, each label naming its type. */
(function () {
  "use strict";
  var type = document.getElementById("id_type");
  if (!type) return;
  function show() {
    document.querySelectorAll("[data-for-types]").forEach(function (input) {
      var field = input.closest(".field");
      if (field) field.hidden = input.dataset.forTypes.split(" ").indexOf(type.value) < 0;
    });
  }
  type.addEventListener("change", show);
  show();
})();
