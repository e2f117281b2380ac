"""Keep the stored dashboard figures honest: every saved or deleted risk point
or measure invalidates its unit's figures for its year, inside the same
transaction (reports.figures). A risk point moved to another unit or year
invalidates both places."""

from django.db.models.signals import post_delete, post_save, pre_save

from . import figures


def _risk_key(risk) -> tuple:
    return (risk.unit_id, risk.year)


def _measure_key(measure) -> tuple | None:
    from lianfang.risks.models import RiskPoint

    try:
        return _risk_key(measure.risk) if measure.risk_id else None
    except RiskPoint.DoesNotExist:
        return None


def _remember_risk(sender, instance, raw=False, **kwargs):
    if instance.pk and not raw:
        instance._figures_before = tuple(sender.objects.filter(pk=instance.pk).values_list("unit_id", "year").first()
                                         or ())


def _remember_measure(sender, instance, raw=False, **kwargs):
    if instance.pk and not raw:
        old = sender.objects.filter(pk=instance.pk).values_list("risk__unit_id", "risk__year").first()
        instance._figures_before = tuple(old or ())


def _changed(key_of):
    def handler(sender, instance, **kwargs):
        keys = {key_of(instance), getattr(instance, "_figures_before", None) or None}
        figures.mark_changed(k for k in keys if k)
    return handler


risk_changed = _changed(_risk_key)
measure_changed = _changed(_measure_key)


def rating_model_changed(sender, instance, **kwargs):
    # Heat-map placement reads the model's definition: the figures of every
    # unit and year rated with it may move.
    from lianfang.risks.models import RiskPoint

    figures.mark_changed(RiskPoint.objects.filter(rating_model_id=instance.pk).values_list("unit_id", "year")
                         .distinct().order_by())


def _remember_path(sender, instance, raw=False, **kwargs):
    if instance.pk and not raw:
        instance._figures_path = sender.objects.filter(pk=instance.pk).values_list("path", flat=True).first()


def unit_saved(sender, instance, created=False, **kwargs):
    # Subtree rows follow the tree: a unit moved elsewhere changes two branches' sums.
    if not created and getattr(instance, "_figures_path", instance.path) != instance.path:
        figures.forget_all()


def connect():
    from lianfang.measures.models import Measure
    from lianfang.orgs.models import Unit
    from lianfang.risks.models import RatingModel, RiskPoint

    pre_save.connect(_remember_risk, sender=RiskPoint, dispatch_uid="figures-risk-pre")
    post_save.connect(risk_changed, sender=RiskPoint, dispatch_uid="figures-risk-save")
    post_delete.connect(risk_changed, sender=RiskPoint, dispatch_uid="figures-risk-delete")
    pre_save.connect(_remember_measure, sender=Measure, dispatch_uid="figures-measure-pre")
    post_save.connect(measure_changed, sender=Measure, dispatch_uid="figures-measure-save")
    post_delete.connect(measure_changed, sender=Measure, dispatch_uid="figures-measure-delete")
    post_save.connect(rating_model_changed, sender=RatingModel, dispatch_uid="figures-model-save")
    post_delete.connect(rating_model_changed, sender=RatingModel, dispatch_uid="figures-model-delete")
    pre_save.connect(_remember_path, sender=Unit, dispatch_uid="figures-unit-pre")
    post_save.connect(unit_saved, sender=Unit, dispatch_uid="figures-unit-save")
